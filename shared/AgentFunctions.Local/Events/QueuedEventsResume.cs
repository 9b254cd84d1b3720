using AgentFunctions.Triggers;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Local.Events;

/// <summary>
/// At host start, after the bus: trigger events recorded before a crash and never dispatched are delivered again (their
/// record is the outbox; the local bus holds them only in memory).
/// </summary>
public sealed class QueuedEventsResume(TimerScheduler scheduler) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => scheduler.ResumeQueuedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
