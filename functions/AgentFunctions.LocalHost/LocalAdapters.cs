using AgentFunctions.Api.Hosting;
using AgentFunctions.Azure.Models;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Events;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Usage;
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
        // Records that only grow (trigger events and their dedupe keys) stay on disk in SQLite; the rest in the file store.
        services.AddSingleton(_ => new FileDocumentStore(Path.Combine(dataDirectory, "documents")));
        services.AddSingleton(_ => new SqliteDocumentStore(Path.Combine(dataDirectory, "documents", "append-heavy.db")));
        // In front of it, an fsynced append log: a delivery is durable once logged; SQLite is filled from the log after.
        // The dedupe keys (ids that are hashes) wait and are filled in key order, many at a time.
        services.AddSingleton(sp => new AppendLogDocumentStore(Path.Combine(dataDirectory, "documents", "append-heavy-log"), sp.GetRequiredService<SqliteDocumentStore>(),
            (configuration.GetSection("AgentFunctions:Storage:AppendLog").Get<AppendLogDocumentStoreOptions>() ?? new()) with { DeferredKinds = LocalStoreKinds.Deferred }));
        // AgentFunctions:Storage:AppendHeavyInFileStore=true keeps them in the file store instead: faster intake, memory
        // growing with every event (the trade-off is measured in docs/triggers.md).
        services.AddSingleton<IDocumentStore>(sp => configuration.GetValue("AgentFunctions:Storage:AppendHeavyInFileStore", false)
            ? sp.GetRequiredService<FileDocumentStore>()
            : new KindRoutedDocumentStore(sp.GetRequiredService<FileDocumentStore>(), sp.GetRequiredService<AppendLogDocumentStore>(), LocalStoreKinds.AppendHeavy));
        services.AddLocalSecretVault(dataDirectory);
        services.AddLocalEngine(dataDirectory);
        services.TryAddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey);
        services.AddOpenAIChatModel(configuration);
        services.AddLocalTriggers();
        services.AddLocalKnowledge(dataDirectory);
        services.AddLocalUsage(dataDirectory);
        // Readiness beside the platform's store, vault and orchestration checks: the bus's consumers and the index.
        services.AddReadinessCheck("bus", (sp, _) => sp.GetRequiredService<LocalEventBus>().IsConsuming
            ? Task.CompletedTask
            : throw new InvalidOperationException("The local event bus is not consuming."));
        services.AddReadinessCheck("index", (sp, ct) =>
            sp.GetRequiredService<AgentFunctions.Knowledge.IKnowledgeIndex>().FindVectorsAsync(TenantId.Platform, [ReadinessServices.ProbeId], ct));
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

/// <summary>Which kinds the local host keeps in SQLite rather than in the file store's memory.</summary>
public static class LocalStoreKinds
{
    public static readonly IReadOnlyList<string> AppendHeavy = [TriggerEvent.Kind, TriggerEventKey.Kind];

    /// <summary>Of those, the kinds the append log fills later, sorted, many at a time: the dedupe keys, whose ids are hashes.</summary>
    public static readonly IReadOnlyList<string> Deferred = [TriggerEventKey.Kind];
}

/// <summary>Where the local host keeps its data (documents, vault, queues, runs, index).</summary>
public sealed record LocalDataDirectory(string Path);
