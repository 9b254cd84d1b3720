using AgentFunctions.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Usage;

public static class LocalUsageServices
{
    /// <summary>The usage log in SQLite at <c>{data}/usage/usage.db</c>, and the monthly invoice job.</summary>
    public static IServiceCollection AddLocalUsage(this IServiceCollection services, string dataDirectory)
    {
        services.TryAddSingleton<IUsageStore>(_ => new SqliteUsageStore(Path.Combine(dataDirectory, "usage", "usage.db")));
        services.AddHostedService<LocalInvoiceJob>();
        return services;
    }
}

/// <summary>
/// The local stand-in for the monthly invoice timer: a few minutes after start and then every six hours, every tenant's
/// draft for the month that ended. Generating again over unchanged usage changes nothing; a late event makes a revision.
/// </summary>
public sealed class LocalInvoiceJob(IServiceProvider services, TimeProvider time, ILogger<LocalInvoiceJob> logger) : BackgroundService
{
    public static readonly TimeSpan FirstRunAfter = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Every = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FirstRunAfter, time, stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                var period = InvoiceService.PreviousPeriod(time.GetUtcNow());
                try
                {
                    var drafted = await services.GetRequiredService<InvoiceService>().GenerateAllAsync(period, stoppingToken).ConfigureAwait(false);
                    logger.LogInformation("Invoice job: {Count} tenant drafts for {Period}", drafted, period);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Invoice job for {Period} failed", period);
                }
                await Task.Delay(Every, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
