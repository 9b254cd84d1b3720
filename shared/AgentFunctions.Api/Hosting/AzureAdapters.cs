using AgentFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// The Azure adapters the Functions app runs on, in place of <see cref="PlatformServices.AddLocalAdapters"/>. Every
/// adapter authenticates with the app's managed identity; the settings it reads are listed in docs/deploy.md and set by
/// infra/app/function.bicep.
/// </summary>
public static class AzureAdapters
{
    public static IServiceCollection AddAzureAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        AddDocumentStore(services, configuration);
        services.AddHostedService<PlatformKeySeeder>();
        return services;
    }

    // TODO(cosmos-document-store): the Cosmos DB adapter is being written on another branch as AddCosmosDocumentStore.
    // When it is merged, replace the body below with that one call (it reads AgentFunctions:Cosmos:Endpoint,
    // :Database and :Container). Until then the app fails at start-up with this message instead of running without a store.
    private static void AddDocumentStore(IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.TryAddSingleton<IDocumentStore>(_ => throw new InvalidOperationException(
            "No Azure document store is registered: merge the Cosmos adapter and call AddCosmosDocumentStore in AzureAdapters.AddDocumentStore."));
    }
}
