namespace AgentFunctions.Knowledge;

/// <summary>
/// Hands ingestion off the request path (Service Bus in Azure, a durable folder queue locally). A job is durable when
/// <see cref="EnqueueAsync"/> completes and is delivered at least once, also after a crash.
/// </summary>
public interface IIngestionQueue
{
    Task EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default);
}
