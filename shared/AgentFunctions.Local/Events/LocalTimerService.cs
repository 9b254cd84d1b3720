using AgentFunctions.Triggers;
using AgentFunctions.Triggers.Listeners;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Events;

/// <summary>The local host's clock: ticks the timer scheduler and the polling listeners every <see cref="Interval"/> (the Functions app uses a timer function).</summary>
public sealed class LocalTimerService(TimerScheduler scheduler, PollScheduler polls, TimeProvider time, ILogger<LocalTimerService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await scheduler.TickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Timer tick failed");
            }
            try
            {
                await polls.TickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Listener tick failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
