using System.Collections.Concurrent;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;

namespace AgentFunctions.Local.Orchestration;

/// <summary>One instance's history and live state inside the local runner. Guarded by <see cref="Gate"/>.</summary>
internal sealed class OrchestrationInstance(string id, string name, string inputJson, string? parentId, DateTimeOffset startedAt)
{
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int launched;

    public Lock Gate { get; } = new();

    /// <summary>
    /// Orders this instance's journal appends: a record takes the pending transcript entries and reaches the journal
    /// before the next record of this instance takes any (held around the runner-wide append lock, never inside it).
    /// </summary>
    public Lock AppendGate { get; } = new();

    public string Id { get; } = id;

    public string Name { get; } = name;

    public string InputJson { get; } = inputJson;

    public string? ParentId { get; } = parentId;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>The input object as the starter passed it; null after a restart (then read from <see cref="InputJson"/>).</summary>
    public object? LiveInput { get; set; }

    /// <summary>
    /// Completed operations by position. Dropped once the instance finishes. Concurrent: the operations of a fan-out
    /// are recorded from their own threads while the orchestration reads the next position.
    /// </summary>
    public ConcurrentDictionary<int, JournalRecord> Operations { get; private set; } = new();

    /// <summary>Durable timers of waiting operations by position: when they fire.</summary>
    public Dictionary<int, DateTimeOffset> Timers { get; private set; } = [];

    public List<InboxEvent> Inbox { get; private set; } = [];

    /// <summary>The run's transcript (<see cref="JournalRunTranscript"/>) by index. Dropped once the instance finishes.</summary>
    public ConcurrentDictionary<int, ChatMessage> Transcript { get; private set; } = new();

    /// <summary>Transcript entries (as UTF-8 JSON) not yet in the journal: the next operation record of this instance carries them.</summary>
    public List<byte[]> PendingTranscript { get; set; } = [];

    public List<string> Children { get; } = [];

    public OrchestrationRuntimeStatus Status { get; set; } = OrchestrationRuntimeStatus.Pending;

    public string? OutputJson { get; set; }

    public object? Output { get; set; }

    public string? Failure { get; set; }

    public string? TerminateReason { get; set; }

    public object? CustomStatus { get; set; }

    public long Version { get; set; }

    public (long Version, string? Json) SerializedCustomStatus { get; set; }

    public long LastAppendSequence { get; set; }

    /// <summary>The journal sequence of the start record or of the latest side-effect activity's record.</summary>
    public long LastSideEffectSequence { get; set; }

    public bool Abandoned { get; set; }

    public Task? Execution { get; set; }

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsTerminal => Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    public bool TryMarkLaunched() => Interlocked.Exchange(ref launched, 1) == 0;

    /// <summary>A task that completes at the next change (progress, event, termination, completion).</summary>
    public Task ChangedTask
    {
        get { lock (Gate) return changed.Task; }
    }

    public void Signal()
    {
        TaskCompletionSource previous;
        lock (Gate)
        {
            previous = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }

    /// <summary>Takes the oldest unconsumed event of that name, in the order events were raised.</summary>
    public bool TryConsume(string eventName, out string? payload)
    {
        foreach (var item in Inbox)
        {
            if (!item.Consumed && item.Name == eventName)
            {
                item.Consumed = true;
                payload = item.Payload;
                return true;
            }
        }
        payload = null;
        return false;
    }

    /// <summary>A finished instance read back from the <see cref="FinishedInstanceStore"/>: terminal, done, never launched.</summary>
    public static OrchestrationInstance Finished(string id, string name, string? parentId, OrchestrationRuntimeStatus status, string? outputJson,
        string? failure, string? customStatusJson, long version, DateTimeOffset startedAt)
    {
        var instance = new OrchestrationInstance(id, name, "null", parentId, startedAt)
        {
            Status = status,
            OutputJson = outputJson,
            Failure = failure,
            Version = version,
            SerializedCustomStatus = (version, customStatusJson),
        };
        instance.TryMarkLaunched();
        instance.Done.TrySetResult();
        return instance;
    }

    /// <summary>The instance as a client sees it; the custom status is serialised once per version.</summary>
    public OrchestrationState State()
    {
        lock (Gate)
        {
            if (SerializedCustomStatus.Version != Version || SerializedCustomStatus.Json is null && CustomStatus is not null)
            {
                var json = CustomStatus is null ? null : JsonSerializer.Serialize(CustomStatus, CustomStatus.GetType(), PlatformJson.Options);
                SerializedCustomStatus = (Version, json);
            }
            return new OrchestrationState(Id, Status, SerializedCustomStatus.Json, OutputJson, Failure, Version);
        }
    }

    /// <summary>Frees the history of a finished instance; its status and output stay readable.</summary>
    public void ReleaseHistory()
    {
        Operations = new();
        Timers = [];
        Inbox = [];
        Transcript = new();
        lock (Gate) PendingTranscript = [];
        LiveInput = null;
    }
}

internal sealed class InboxEvent(string name, string? payload)
{
    public string Name { get; } = name;

    public string? Payload { get; } = payload;

    public bool Consumed { get; set; }
}
