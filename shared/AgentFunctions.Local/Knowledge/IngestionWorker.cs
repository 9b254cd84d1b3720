using AgentFunctions.Knowledge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Knowledge;

/// <summary>Runs ingestion jobs one at a time off the request path; at start re-queues documents a crash left <c>indexing</c>.</summary>
public sealed class IngestionWorker(ChannelIngestionQueue queue, KnowledgeIngestion ingestion, ILogger<IngestionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var unfinished = await ingestion.FindUnfinishedAsync(stoppingToken).ConfigureAwait(false);
            foreach (var job in unfinished) await queue.EnqueueAsync(job, stoppingToken).ConfigureAwait(false);
            if (unfinished.Count > 0) logger.LogInformation("Re-queued {JobCount} documents left indexing", unfinished.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not look for documents left indexing");
        }

        await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ingestion.ProcessAsync(job, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Ingestion of document {DocumentId} version {Version} in tenant {TenantId} failed", job.DocumentId, job.Version, job.Tenant.Value);
                try
                {
                    await ingestion.FailAsync(job, "Indexing failed with an internal error; upload the document again.", stoppingToken).ConfigureAwait(false);
                }
                catch (Exception inner) when (inner is not OperationCanceledException)
                {
                    logger.LogError(inner, "Could not mark document {DocumentId} failed", job.DocumentId);
                }
            }
        }
    }
}
