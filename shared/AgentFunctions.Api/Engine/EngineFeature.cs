using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Engine;

public static class EngineFeature
{
    /// <summary>
    /// The engine's services, shared by both hosts. Needs from elsewhere: <c>IToolCatalog</c> and <c>IToolExecutor</c>
    /// (tools feature), an <c>IOrchestrationClient</c> (local runner or Durable adapter), an <c>IKnowledgeRetriever</c>,
    /// and the chat models: the keyed offline model (local host) and an unkeyed <see cref="IChatModel"/> for
    /// OpenAI-compatible endpoints, each registered by the host that has it.
    /// </summary>
    public static IServiceCollection AddEngineFeature(this IServiceCollection services)
    {
        services.TryAddSingleton(new EngineOptions());
        services.TryAddSingleton<IChatModelRouter, ChatModelRouter>();
        services.TryAddSingleton<AgentRunActivities>();
        // Runs' transcripts in the document store (Cosmos DB with the Durable engine); the local runner keeps its own.
        services.TryAddSingleton<IRunTranscript, StoredRunTranscript>();
        services.TryAddSingleton<RunService>();
        services.TryAddSingleton<SessionService>();
        services.TryAddSingleton<RunsApi>();
        // Until the tools feature is wired in, runs see no tools rather than failing to start; any real registration wins.
        services.TryAddSingleton<IToolCatalog, UnconfiguredToolCatalog>();
        services.TryAddSingleton<IToolExecutor, UnconfiguredToolExecutor>();
        return services;
    }
}
