using AgentFunctions.Access;
using AgentFunctions.Api.Agents;
using AgentFunctions.Api.Engine;
using AgentFunctions.Api.Tenancy;
using AgentFunctions.Api.Tools;
using AgentFunctions.Api.Triggers;
using AgentFunctions.Local.Events;
using AgentFunctions.Triggers;
using AgentFunctions.Api.Credentials;
using AgentFunctions.Api.Knowledge;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// The wiring both hosts share: services and API handlers (<see cref="AddPlatformCore"/>), then one set of
/// adapters: the embedded ones (<see cref="AddLocalAdapters"/>) or the Azure ones (see AzureAdapters).
/// </summary>
public static class PlatformServices
{
    public static IServiceCollection AddPlatformCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuthenticator, KeyAuthenticator>();
        services.AddTenancyFeature();
        services.AddAgentsFeature();
        services.AddToolRegistryFeature();
        services.AddToolExecution();
        services.AddCredentialsFeature();
        services.AddEngineFeature();
        services.AddTriggersFeature();
        services.AddKnowledgeFeature();
        return services;
    }

    /// <summary>Embedded adapters: everything lives under <paramref name="dataDirectory"/>.</summary>
    public static IServiceCollection AddLocalAdapters(this IServiceCollection services, string dataDirectory)
    {
        services.AddSingleton(new LocalDataDirectory(dataDirectory));
        services.AddSingleton<IDocumentStore>(_ => new FileDocumentStore(Path.Combine(dataDirectory, "documents")));
        services.AddLocalSecretVault(dataDirectory);
        services.AddLocalEngine(dataDirectory);
        services.AddOptions<LocalEventBusOptions>().BindConfiguration("AgentFunctions:Triggers:Bus");
        services.AddSingleton(sp => new LocalEventBus(sp.GetRequiredService<IDocumentStore>(), sp.GetServices<IBusSubscription>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LocalEventBus>>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LocalEventBusOptions>>().Value));
        services.AddSingleton<IEventBus>(sp => sp.GetRequiredService<LocalEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<LocalEventBus>());
        services.AddHostedService<QueuedEventsResume>();
        services.AddOptions<LocalTimerOptions>().BindConfiguration("AgentFunctions:Triggers:Clock");
        services.AddHostedService<LocalTimerService>();
        services.AddLocalKnowledge(dataDirectory);
        return services;
    }
}

/// <summary>Where the local host keeps its data (documents, vault, queues, runs, index).</summary>
public sealed record LocalDataDirectory(string Path);
