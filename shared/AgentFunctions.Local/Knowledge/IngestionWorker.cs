using AgentFunctions.Knowledge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// Runs ingestion jobs off the request path, two at a time on a machine with two or more cores (one document is extracted
/// and chunked while another is embedded or written; the index serialises its writes and the embedder its batches), never
/// two jobs of one document at once; at start re-queues documents a crash left <c>indexing</c>.
/// </summary>
public sealed class IngestionWorker(ChannelIngestionQueue queue, KnowledgeIngestion ingestion, ILogger<IngestionWorker> logger) : BackgroundService
{
    /// <summary>Jobs in flight at once.</summary>
    public static int Concurrency { get; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    // Jobs of one document take the same stripe, so they run one after the other.
    private readonly SemaphoreSlim[] stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

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

        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(() => ConsumeAsync(stoppingToken), CancellationToken.None))).ConfigureAwait(false);
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var stripe = stripes[(int)((uint)HashCode.Combine(job.Tenant.Value, job.DocumentId) % (uint)stripes.Length)];
            try
            {
                await stripe.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
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
            finally
            {
                stripe.Release();
            }
        }
    }
}
