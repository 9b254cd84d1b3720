using AgentFunctions.Azure.Models;
using AgentFunctions.Engine.Models;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Events;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Lifecycle;
using AgentFunctions.Triggers;
using Microsoft.Extensions.Options;
using AgentFunctions.Local.Models;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.LocalHost;

/// <summary>The local host's composition root for adapters: everything embedded, under one data folder.</summary>
public static class LocalAdapters
{
    /// <summary>File-backed store, local vault, replaying runner, the scripted offline model, and an OpenAI-compatible model when configured.</summary>
    public static IServiceCollection AddLocalAdapters(this IServiceCollection services, string dataDirectory, IConfiguration configuration)
    {
        services.AddSingleton(new LocalDataDirectory(dataDirectory));
        services.AddSingleton<IDocumentStore>(_ => new FileDocumentStore(Path.Combine(dataDirectory, "documents")));
        services.AddLocalSecretVault(dataDirectory);
        services.AddLocalEngine(dataDirectory);
        services.TryAddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey);
        services.AddOpenAIChatModel(configuration);
        services.AddLocalTriggers();
        services.AddLocalKnowledge(dataDirectory);
        services.AddLocalLifecycle();
        return services;
    }

    /// <summary>The local event bus (durable queue, consumers in the background) and the clock that ticks timers and polls.</summary>
    private static IServiceCollection AddLocalTriggers(this IServiceCollection services)
    {
        services.AddOptions<LocalEventBusOptions>().BindConfiguration("AgentFunctions:Triggers:Bus");
        services.AddSingleton(sp => new LocalEventBus(sp.GetRequiredService<IDocumentStore>(), sp.GetServices<IBusSubscription>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LocalEventBus>>(), sp.GetRequiredService<IOptions<LocalEventBusOptions>>().Value));
        services.AddSingleton<IEventBus>(sp => sp.GetRequiredService<LocalEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<LocalEventBus>());
        services.AddHostedService<QueuedEventsResume>();
        services.AddOptions<LocalTimerOptions>().BindConfiguration("AgentFunctions:Triggers:Clock");
        services.AddHostedService<LocalTimerService>();
        return services;
    }
}

/// <summary>Where the local host keeps its data (documents, vault, queues, runs, index).</summary>
public sealed record LocalDataDirectory(string Path);
