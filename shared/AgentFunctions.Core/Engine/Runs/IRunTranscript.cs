using AgentFunctions.Common;
using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The conversation of a running run, kept outside orchestration history: activities take a reference (run id and
/// index) and read the messages before it from here, so history holds each message at most once instead of the whole
/// conversation in every model call's input (Durable keeps every activity input). Each index is written once: a
/// re-run activity finds its entry already written and gets the stored one back, so the transcript never disagrees
/// with what the model was shown.
/// </summary>
public interface IRunTranscript
{
    /// <summary>Writes each entry unless its index is taken; returns the stored message of each entry, in order.</summary>
    Task<IReadOnlyList<ChatMessage>> WriteAsync(TenantId tenant, string runId, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the run's start (prompt, history and the user's message) at indices 0 to <c>start.Count - 1</c>, unless it
    /// is stored already; returns the stored start. Only the run's preparation writes these indices, so an adapter may
    /// keep the whole start together (one document in <see cref="StoredRunTranscript"/>).
    /// </summary>
    Task<IReadOnlyList<ChatMessage>> WriteStartAsync(TenantId tenant, string runId, IReadOnlyList<ChatMessage> start, CancellationToken cancellationToken = default) =>
        WriteAsync(tenant, runId, start.Select((message, index) => new TranscriptEntry(index, message)).ToList(), cancellationToken);

    /// <summary>The first <paramref name="count"/> messages in order; throws <see cref="InvalidOperationException"/> when one is missing.</summary>
    Task<IReadOnlyList<ChatMessage>> ReadAsync(TenantId tenant, string runId, int count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Drops a finished run's transcript: it holds the model's arguments unredacted, and the run record keeps what the
    /// run shows. Idempotent.
    /// </summary>
    Task DeleteAsync(TenantId tenant, string runId, CancellationToken cancellationToken = default);
}
