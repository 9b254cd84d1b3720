using AgentFunctions.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Lifecycle;

/// <summary>When the local lifecycle job runs: deletions are resumed at start and then every <see cref="Interval"/>, with retention applied on the same beat.</summary>
public sealed class LocalLifecycleOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The local host's stand-in for the Functions lifecycle timers: at start it finishes deletions a crash interrupted,
/// then on each tick it resumes any deletion left running and applies every tenant's retention (purging the local
/// runner's journal of the runs it removes). Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class LocalLifecycleService(IServiceScopeFactory scopes, TimeProvider time, LocalLifecycleOptions options, ILogger<LocalLifecycleService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, time);
        do
        {
            try
            {
                await TickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The lifecycle job failed; it runs again in {Interval}", options.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass: resume deletions, apply retention.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var deletions = scope.ServiceProvider.GetRequiredService<TenantDeletionService>();
        var retention = scope.ServiceProvider.GetRequiredService<RetentionService>();
        var finished = await deletions.ResumeAsync(cancellationToken).ConfigureAwait(false);
        if (finished.Count > 0) logger.LogInformation("Lifecycle job finished {Count} tenant deletions", finished.Count);
        var reports = await retention.ApplyAsync(cancellationToken).ConfigureAwait(false);
        var removed = reports.Sum(r => r.Total);
        if (removed > 0) logger.LogInformation("Retention applied to {TenantCount} tenants: {Removed} items removed", reports.Count, removed);
    }
}
