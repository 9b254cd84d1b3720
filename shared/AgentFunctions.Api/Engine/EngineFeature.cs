using AgentFunctions.Azure.Models;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Local.Models;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Engine;

public static class EngineFeature
{
    /// <summary>
    /// The engine's services, shared by both hosts. Needs from elsewhere: <c>IToolCatalog</c> and <c>IToolExecutor</c>
    /// (tools feature), an <c>IOrchestrationClient</c> (local runner or Durable adapter), an <c>IKnowledgeRetriever</c>,
    /// and optionally an unkeyed <see cref="IChatModel"/> for OpenAI-compatible models.
    /// </summary>
    public static IServiceCollection AddEngineFeature(this IServiceCollection services)
    {
        services.TryAddSingleton(new EngineOptions());
        services.TryAddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey);
        services.TryAddSingleton<IChatModelRouter, ChatModelRouter>();
        // The OpenAI-compatible model, when AddOpenAIChatModel found an endpoint; otherwise null and only "offline" routes.
        services.TryAddSingleton<IChatModel>(sp => sp.GetService<OpenAIChatModel>()!);
        services.TryAddSingleton<AgentRunActivities>();
        services.TryAddSingleton<RunService>();
        services.TryAddSingleton<SessionService>();
        services.TryAddSingleton<RunsApi>();
        // Until the tools feature is wired in, runs see no tools rather than failing to start; any real registration wins.
        services.TryAddSingleton<IToolCatalog, UnconfiguredToolCatalog>();
        services.TryAddSingleton<IToolExecutor, UnconfiguredToolExecutor>();
        return services;
    }
}
