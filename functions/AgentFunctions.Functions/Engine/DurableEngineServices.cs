using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Local.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Functions.Engine;

public static class DurableEngineServices
{
    /// <summary>The engine's Azure side: orchestration client over Durable Functions. Knowledge retrieves nothing until the knowledge base lands.</summary>
    public static IServiceCollection AddDurableEngine(this IServiceCollection services)
    {
        services.TryAddSingleton<DurableClientHolder>();
        services.TryAddSingleton<IOrchestrationClient, DurableOrchestrationClient>();
        services.TryAddSingleton<IKnowledgeRetriever, EmptyKnowledgeRetriever>();
        return services;
    }
}
