using AgentFunctions.Triggers;
using AgentFunctions.Triggers.Listeners;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Local.Events;

/// <summary>The local host's clock: ticks the timer scheduler and the polling listeners every <see cref="LocalTimerOptions.Interval"/> (the Functions app uses a timer function).</summary>
public sealed class LocalTimerService(TimerScheduler scheduler, PollScheduler polls, TimeProvider time, IOptions<LocalTimerOptions> options, ILogger<LocalTimerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        using var timer = new PeriodicTimer(options.Value.Interval, time);
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

/// <summary>Section <c>AgentFunctions:Triggers:Clock</c>: how often the local host ticks, and whether it does at all.</summary>
public sealed class LocalTimerOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    public bool Enabled { get; set; } = true;
}
