using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// The run transcript on the local runner, kept in the runner's own journal: an entry is held in memory at once and
/// reaches the journal inside the next operation record of its run, at the latest the record of the activity that
/// wrote it. So an activity whose completion survives a crash has its entries on disk too, and one that does not is
/// run again and writes them again: one file, one order, no extra write per message.
/// </summary>
internal sealed class JournalRunTranscript(LocalOrchestrationRunner runner) : IRunTranscript
{
    public Task<IReadOnlyList<ChatMessage>> WriteAsync(TenantId tenant, string runId, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken = default)
    {
        var instance = runner.RunningInstance(runId);
        var stored = new ChatMessage[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (instance.Transcript.TryAdd(entry.Index, entry.Message))
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(entry, PlatformJson.Stored);
                lock (instance.Gate) instance.PendingTranscript.Add(json);
                stored[i] = entry.Message;
            }
            else
            {
                stored[i] = instance.Transcript[entry.Index];
            }
        }
        return Task.FromResult<IReadOnlyList<ChatMessage>>(stored);
    }

    public Task<IReadOnlyList<ChatMessage>> ReadAsync(TenantId tenant, string runId, int count, CancellationToken cancellationToken = default)
    {
        var instance = runner.RunningInstance(runId);
        var messages = new ChatMessage[count];
        for (var i = 0; i < count; i++)
        {
            messages[i] = instance.Transcript.TryGetValue(i, out var message)
                ? message
                : throw new InvalidOperationException($"Message {i} of run {runId}'s transcript is missing.");
        }
        return Task.FromResult<IReadOnlyList<ChatMessage>>(messages);
    }

    /// <summary>Nothing to do: the runner drops a run's transcript with the rest of its history when the run finishes.</summary>
    public Task DeleteAsync(TenantId tenant, string runId, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Reads entries from a record's Extra (or a compaction record's payload) into the instance.</summary>
    public static void Load(OrchestrationInstance instance, string json)
    {
        foreach (var entry in JsonSerializer.Deserialize<TranscriptEntry[]>(json, PlatformJson.Stored) ?? [])
        {
            instance.Transcript.TryAdd(entry.Index, entry.Message);
        }
    }
}
