using AgentFunctions.Azure.Knowledge;
using AgentFunctions.Knowledge;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions.Knowledge;

/// <summary>
/// Ingestion off the request path: the Service Bus consumer of the <c>document-ingestion</c> queue (one job, one
/// document version), and the blob trigger on the <c>documents</c> container that takes any file dropped at
/// <c>{tenantId}/{knowledgeBaseId}/{fileName}</c> (an operator's <c>az storage blob upload-batch</c>). On Flex
/// Consumption a blob trigger runs only with the Event Grid source: infra/app/eventgrid.bicep subscribes the app's
/// blob extension endpoint to the storage account's BlobCreated events in that container. Both are thin: the services
/// are the ones the upload route and the local host's worker and watched folder use.
/// </summary>
public sealed class KnowledgeIngestionFunctions(KnowledgeIngestion ingestion, KnowledgeDrops drops, ILogger<KnowledgeIngestionFunctions> logger)
{
    /// <summary>Deliveries after which a job that keeps failing marks its document failed (the queue's own limit is 10).</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// One job. An exception leaves the message to Service Bus, which delivers it again; at the <see cref="MaxAttempts"/>th
    /// delivery the document is marked failed with a reason instead, so it never stays <c>indexing</c>.
    /// </summary>
    [Function(nameof(IngestDocument))]
    public async Task IngestDocument(
        [ServiceBusTrigger(ServiceBusIngestionQueue.QueueName, Connection = "ServiceBusConnection")] string body,
        int deliveryCount,
        CancellationToken cancellationToken)
    {
        var job = ServiceBusIngestionQueue.FromBody(body);
        try
        {
            await ingestion.ProcessAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && deliveryCount >= MaxAttempts)
        {
            logger.LogError(ex, "Ingestion of document {DocumentId} version {Version} failed {Attempts} times; marking it failed", job.DocumentId, job.Version, deliveryCount);
            await ingestion.FailAsync(job, "Indexing failed with an internal error; upload the document again.", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A file written to the documents container: a drop to ingest, or an upload's own file (which changes nothing).</summary>
    [Function(nameof(IngestDroppedDocument))]
    public async Task IngestDroppedDocument(
        [BlobTrigger(KnowledgeFilePath.Container + "/{name}", Source = BlobTriggerSource.EventGrid, Connection = AzureKnowledgeServices.DocumentsConnection)] BlobClient blob,
        CancellationToken cancellationToken)
    {
        var result = await drops.IngestAsync(blob.Name, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Blob {BlobName} in {Container}: {Outcome} {DocumentId}", blob.Name, blob.BlobContainerName, result.Outcome, result.DocumentId);
    }
}
