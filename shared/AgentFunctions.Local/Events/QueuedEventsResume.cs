using AgentFunctions.Triggers;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Local.Events;

/// <summary>
/// At host start, after the bus: trigger events recorded before a crash and never dispatched are delivered again (their
/// record is the outbox; the local bus holds them only in memory). The same re-publishing runs whenever more events
/// arrived than the bus holds in memory and the dispatcher has worked through half of what it held.
/// </summary>
public sealed class QueuedEventsResume(TimerScheduler scheduler, LocalEventBus bus) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        bus.OnOverflowDrained(scheduler.RepublishQueuedAsync);
        return scheduler.ResumeQueuedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
