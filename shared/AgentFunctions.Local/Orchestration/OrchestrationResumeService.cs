using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Local.Orchestration;

/// <summary>At host start, resumes every run the journal shows unfinished, so none stays "running" after a crash.</summary>
public sealed class OrchestrationResumeService(LocalOrchestrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.ResumeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runner.DisposeAsync().AsTask();
}
