using AgentFunctions.Storage;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Azure.Documents;

public static class CosmosDocumentStoreServiceCollectionExtensions
{
    /// <summary>Registers the Cosmos DB document store over a container the caller built (partition key path <c>/tenantId</c>).</summary>
    public static IServiceCollection AddCosmosDocumentStore(this IServiceCollection services, Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        services.AddSingleton<IDocumentStore>(new CosmosDocumentStore(container));
        return services;
    }

    /// <summary>
    /// Registers the Cosmos DB document store, building one <see cref="CosmosClient"/> for the account with a token
    /// credential (managed identity in Azure, developer sign-in locally); no account keys.
    /// </summary>
    public static IServiceCollection AddCosmosDocumentStore(this IServiceCollection services, CosmosDocumentStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(_ => new CosmosClient(
            options.Endpoint.AbsoluteUri,
            options.Credential ?? new DefaultAzureCredential(),
            new CosmosClientOptions
            {
                ApplicationName = "AgentFunctions",
                // The store only needs the new ETag, which comes back in a header; skip echoing the body.
                EnableContentResponseOnWrite = false,
            }));
        services.AddSingleton<IDocumentStore>(sp =>
            new CosmosDocumentStore(sp.GetRequiredService<CosmosClient>().GetContainer(options.DatabaseName, options.ContainerName)));
        return services;
    }
}
