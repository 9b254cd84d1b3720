using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Orchestration;

public static class LocalEngineServices
{
    /// <summary>The local runner (journal under <c>{data}/orchestration</c>, runs' transcripts in it), its resume-at-start service, and the empty knowledge adapter.</summary>
    public static IServiceCollection AddLocalEngine(this IServiceCollection services, string dataDirectory)
    {
        services.TryAddSingleton(sp => AgentRunActivities.Register(new OrchestrationRegistry(), () => sp.GetRequiredService<AgentRunActivities>()));
        services.TryAddSingleton(sp => new LocalOrchestrationRunner(
            Path.Combine(dataDirectory, "orchestration"),
            sp.GetRequiredService<OrchestrationRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LocalOrchestrationRunner>>()));
        services.TryAddSingleton<IOrchestrationClient>(sp => sp.GetRequiredService<LocalOrchestrationRunner>());
        // Runs' transcripts live in the runner's journal, whichever order the engine feature was added in.
        services.Replace(ServiceDescriptor.Singleton<IRunTranscript>(sp => sp.GetRequiredService<LocalOrchestrationRunner>().Transcript));
        services.AddHostedService<OrchestrationResumeService>();
        services.TryAddSingleton<IKnowledgeRetriever, EmptyKnowledgeRetriever>();
        return services;
    }
}
