using System.Threading.Channels;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local ingestion queue: an in-memory channel in front of the <see cref="IngestionWorker"/> (read by its consumers). It is durable through the
/// store: a document is written as <c>indexing</c> before its job is queued, and the worker re-queues every such document at
/// start, so a job lost in a crash is picked up again.
/// </summary>
public sealed class ChannelIngestionQueue : IIngestionQueue
{
    private readonly Channel<IngestionJob> channel = Channel.CreateUnbounded<IngestionJob>(new UnboundedChannelOptions { SingleReader = false });

    public ChannelReader<IngestionJob> Reader => channel.Reader;

    public Task EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default) => channel.Writer.WriteAsync(job, cancellationToken).AsTask();
}
