using System.Collections.Concurrent;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// The local orchestration runner: runs registered orchestrations in-process and journals every completed operation
/// (activity, child orchestration, event wait, timer) before the orchestration continues. After a restart,
/// <see cref="ResumeAsync"/> replays each unfinished instance from its history: recorded operations are not executed
/// again, and an orchestration that asks for something other than what history holds fails as non-deterministic.
/// <para>
/// Memory holds the unfinished instances only. A finished instance moves to the <see cref="FinishedInstanceStore"/>
/// (SQLite beside the journal), where status reads, waits and the start dedupe find it until it is purged, as Durable
/// keeps a completed instance: so a long-lived host does not grow with every run it has served.
/// </para>
/// </summary>
public sealed class LocalOrchestrationRunner : IOrchestrationClient, IAsyncDisposable, IDisposable
{
    /// <summary>Compact the journal (drop finished instances) once it grows past this many bytes.</summary>
    public const long CompactionThresholdBytes = 64L * 1024 * 1024;

    /// <summary>Unfinished instances (and finished ones on their way to <see cref="finished"/>).</summary>
    private readonly ConcurrentDictionary<string, OrchestrationInstance> instances = new(StringComparer.Ordinal);
    private readonly FinishedInstanceStore finished;
    private readonly IOrchestrationJournal journal;
    private readonly ILogger logger;
    private readonly Lock appendLock = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long compactionThreshold;
    private int resumed;
    private volatile bool journalFailed;

    public LocalOrchestrationRunner(string directory, OrchestrationRegistry registry, TimeProvider time, ILogger<LocalOrchestrationRunner>? logger = null)
        : this(new FileOrchestrationJournal(directory), registry, time, logger ?? NullLogger<LocalOrchestrationRunner>.Instance,
            finished: new FinishedInstanceStore(Path.Combine(directory, FinishedInstanceStore.FileName), logger))
    {
    }

    /// <param name="finished">Where finished instances go; null keeps them in an in-memory SQLite database (lost at a restart).</param>
    internal LocalOrchestrationRunner(IOrchestrationJournal journal, OrchestrationRegistry registry, TimeProvider time, ILogger logger,
        long compactionThreshold = CompactionThresholdBytes, FinishedInstanceStore? finished = null)
    {
        this.journal = journal;
        this.finished = finished ?? new FinishedInstanceStore(":memory:", logger);
        this.logger = logger;
        this.compactionThreshold = compactionThreshold;
        Registry = registry;
        Time = time;
        Transcript = new JournalRunTranscript(this);
        Load();
    }

    /// <summary>The transcript of the runs this runner executes, kept in its journal (the activities' <see cref="Engine.Runs.IRunTranscript"/>).</summary>
    public Engine.Runs.IRunTranscript Transcript { get; }

    internal OrchestrationRegistry Registry { get; }

    internal TimeProvider Time { get; }

    internal CancellationToken Stopping => stopping.Token;

    internal Task StoppedTask => stopped.Task;

    /// <summary>Starts every unfinished instance found in the journal. Called once at host start; later calls do nothing.</summary>
    public Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref resumed, 1) == 1) return Task.CompletedTask;
        var pending = instances.Values.Where(i => !i.IsTerminal).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Resuming {Count} unfinished orchestrations from the journal", pending.Count);
        }
        foreach (var instance in pending) Launch(instance);
        return Task.CompletedTask;
    }

    public async Task StartAsync<TInput>(string orchestrationName, string instanceId, TInput input, CancellationToken cancellationToken = default)
    {
        Registry.Orchestration(orchestrationName);
        var instance = Create(orchestrationName, instanceId, input, typeof(TInput), parentId: null, out var created);
        if (!created) return;
        Launch(instance);
        await WaitDurableAsync(instance).ConfigureAwait(false);
    }

    public async Task RaiseEventAsync<TPayload>(string instanceId, string eventName, TPayload payload, CancellationToken cancellationToken = default)
    {
        if (!instances.TryGetValue(instanceId, out var instance) || instance.IsTerminal) return;
        var json = Serialize(payload, typeof(TPayload));
        Record(instance, new JournalRecord(JournalRecordType.EventRaised, instanceId, 0, eventName, 0, Time.GetUtcNow().UtcTicks, json),
            () => instance.Inbox.Add(new InboxEvent(eventName, json)));
        await WaitDurableAsync(instance).ConfigureAwait(false);
        instance.Signal();
    }

    public async Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default)
    {
        if (!instances.TryGetValue(instanceId, out var instance) || instance.IsTerminal) return;
        Record(instance, new JournalRecord(JournalRecordType.TerminateRequested, instanceId, 0, "terminate", 0, Time.GetUtcNow().UtcTicks, reason),
            () => instance.TerminateReason = reason);
        await WaitDurableAsync(instance).ConfigureAwait(false);
        instance.Signal();
        List<string> children;
        lock (instance.Gate) children = [.. instance.Children];
        foreach (var child in children)
        {
            await TerminateAsync(child, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long a purge waits for a terminated instance to stop at its next operation before removing it anyway.</summary>
    public static readonly TimeSpan PurgeStopWait = TimeSpan.FromSeconds(10);

    public async Task<int> PurgeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var targets = new List<OrchestrationInstance>();
        var pending = new Stack<string>(instanceIds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var id))
        {
            if (!seen.Add(id) || Find(id) is not { } instance) continue;
            targets.Add(instance);
            lock (instance.Gate) foreach (var child in instance.Children) pending.Push(child);
            foreach (var child in finished.ChildrenOf(id)) pending.Push(child);
        }
        if (targets.Count == 0) return 0;
        foreach (var instance in targets.Where(i => !i.IsTerminal))
        {
            await TerminateAsync(instance.Id, "purged", cancellationToken).ConfigureAwait(false);
            await WaitForCompletionAsync(instance.Id, PurgeStopWait, cancellationToken).ConfigureAwait(false);
        }
        var ids = targets.Select(i => i.Id).ToList();
        lock (appendLock)
        {
            foreach (var id in ids) instances.TryRemove(id, out _);
            finished.Remove(ids);
        }
        // The journal keeps only what the dictionary still holds: rewriting it now drops the purged history from disk.
        Compact();
        return targets.Count;
    }

    public Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Find(instanceId)?.State());

    public async Task<OrchestrationState?> WaitForChangeAsync(string instanceId, OrchestrationState? known, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        if (Find(instanceId) is not { } instance) return null;
        var deadline = Time.GetUtcNow() + maxWait;
        while (true)
        {
            var changed = instance.ChangedTask;
            var state = instance.State();
            var remaining = deadline - Time.GetUtcNow();
            if (known is null || state.Version != known.Version || state.Status != known.Status || state.IsTerminal || remaining <= TimeSpan.Zero)
            {
                return state;
            }
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(remaining, Time, cancel.Token);
            await Task.WhenAny(changed, timer, stopped.Task).ConfigureAwait(false);
            await cancel.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (stopped.Task.IsCompleted) return instance.State();
        }
    }

    public async Task<OrchestrationState?> WaitForCompletionAsync(string instanceId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        if (Find(instanceId) is not { } instance) return null;
        if (!instance.Done.Task.IsCompleted)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(maxWait, Time, cancel.Token);
            await Task.WhenAny(instance.Done.Task, timer, stopped.Task).ConfigureAwait(false);
            await cancel.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        return instance.State();
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested) return;
        await stopping.CancelAsync().ConfigureAwait(false);
        stopped.TrySetResult();
        var running = instances.Values.Select(i => i.Execution).OfType<Task>().ToArray();
        await Task.WhenAny(Task.WhenAll(running), Task.Delay(TimeSpan.FromSeconds(10), TimeProvider.System)).ConfigureAwait(false);
        journal.Dispose();
        finished.Dispose();
        stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal void ThrowIfStopped(OrchestrationInstance instance)
    {
        if (stopping.IsCancellationRequested || journalFailed || instance.Abandoned)
        {
            throw new InstanceAbandonedException(instance.Id);
        }
    }

    internal ValueTask WaitDurableAsync(OrchestrationInstance instance) => WaitDurableAsync(instance, instance.LastAppendSequence);

    /// <summary>
    /// Before a side effect: waits until the instance's start and every earlier side effect's record are on disk, so a
    /// power loss can repeat at most the call in flight. Reads and model calls recorded since need not be flushed first.
    /// </summary>
    internal ValueTask WaitSideEffectsDurableAsync(OrchestrationInstance instance) => WaitDurableAsync(instance, instance.LastSideEffectSequence);

    private async ValueTask WaitDurableAsync(OrchestrationInstance instance, long sequence)
    {
        try
        {
            await journal.WaitDurableAsync(sequence).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            journalFailed = true;
            throw new InstanceAbandonedException(instance.Id, ex);
        }
    }

    /// <summary>
    /// Appends a history record and applies it to the instance as one step, so compaction never sees one without the
    /// other. The record is encoded before the runner-wide lock (every run's appends go through it), which then covers
    /// only the write and its application; the instance's own <see cref="OrchestrationInstance.AppendGate"/> keeps its
    /// records in the order they took their transcript entries.
    /// </summary>
    internal void Record(OrchestrationInstance instance, JournalRecord record, Action? apply = null, bool sideEffect = false)
    {
        lock (instance.AppendGate)
        {
            List<byte[]>? transcript = null;
            if (record.Type is JournalRecordType.OperationCompleted or JournalRecordType.OperationFailed)
            {
                // Transcript entries written so far travel in this record: on disk no later than the activity that wrote them.
                lock (instance.Gate)
                {
                    if (instance.PendingTranscript.Count > 0)
                    {
                        transcript = instance.PendingTranscript;
                        instance.PendingTranscript = [];
                        record = record with { ExtraEntries = transcript };
                    }
                }
            }
            var encoded = record.Encode();
            lock (appendLock)
            {
                Append(instance, record, encoded, transcript, apply, sideEffect);
            }
        }
    }

    /// <summary>Called under the append lock.</summary>
    private void Append(OrchestrationInstance instance, JournalRecord record, byte[] encoded, List<byte[]>? transcript, Action? apply, bool sideEffect)
    {
        long sequence;
        try
        {
            sequence = journal.Append(record, encoded);
        }
        catch (Exception ex)
        {
            // Could not write history: behave as a crash. The next runner resumes from what is on disk.
            journalFailed = true;
            instance.Abandoned = true;
            if (transcript is not null)
            {
                // Not written: the entries stay pending, ahead of any written since.
                lock (instance.Gate) instance.PendingTranscript.InsertRange(0, transcript);
            }
            logger.LogError(ex, "Journal write failed for orchestration {InstanceId}; abandoning it for the next runner", instance.Id);
            throw new InstanceAbandonedException(instance.Id, ex);
        }
        if (apply is not null) apply();
        else if (record.Type is JournalRecordType.OperationCompleted or JournalRecordType.OperationFailed)
        {
            // Replay needs the outcome, not the transcript entries the record carried (they are in the instance's transcript).
            instance.Operations[record.Position] = transcript is null ? record : record with { ExtraEntries = null };
        }
        instance.LastAppendSequence = sequence;
        if (record.Type == JournalRecordType.Started || sideEffect) instance.LastSideEffectSequence = sequence;
    }

    /// <summary>Whether the instance is held in memory (unfinished, or finished and not yet in the finished-instance store).</summary>
    internal bool IsInMemory(string instanceId) => instances.ContainsKey(instanceId) || finished.IsPending(instanceId);

    /// <summary>Stores every finished instance still in memory now (tests; compaction does it itself).</summary>
    internal void FlushFinished() => finished.FlushDurable();

    internal OrchestrationInstance StartChild(OrchestrationInstance parent, string name, string childId, object? input)
    {
        var child = Create(name, childId, input, input?.GetType() ?? typeof(object), parent.Id, out _);
        lock (parent.Gate)
        {
            if (!parent.Children.Contains(childId)) parent.Children.Add(childId);
        }
        Launch(child);
        return child;
    }

    internal uint Hash(object? input) => Fingerprint.Of(input);

    /// <summary>The unfinished instance of a run, for its transcript.</summary>
    internal OrchestrationInstance RunningInstance(string instanceId) =>
        instances.TryGetValue(instanceId, out var instance) && !instance.IsTerminal
            ? instance
            : throw new InvalidOperationException($"Run {instanceId} is not running on this runner.");

    internal string Serialize(object? value, Type type) => JsonSerializer.Serialize(value, type, PlatformJson.Stored);

    internal T Deserialize<T>(string? json) => json is null ? default! : JsonSerializer.Deserialize<T>(json, PlatformJson.Stored)!;

    /// <summary>An instance by id: unfinished ones from memory, finished ones from the finished-instance store; null when unknown.</summary>
    private OrchestrationInstance? Find(string instanceId) =>
        instances.TryGetValue(instanceId, out var instance) ? instance : finished.Find(instanceId);

    private OrchestrationInstance Create(string name, string instanceId, object? input, Type inputType, string? parentId, out bool created)
    {
        // Starting an id again is a no-op while the instance exists in any status, finished included (until purged):
        // that is how a trigger event's run is started once.
        if (Find(instanceId) is { } existing)
        {
            created = false;
            return existing;
        }
        var now = Time.GetUtcNow();
        var json = Serialize(input, inputType);
        var instance = new OrchestrationInstance(instanceId, name, json, parentId, now) { LiveInput = input, Status = OrchestrationRuntimeStatus.Pending };
        if (!instances.TryAdd(instanceId, instance))
        {
            created = false;
            return Find(instanceId) ?? throw new InvalidOperationException($"Orchestration {instanceId} vanished while it was started.");
        }
        Record(instance, new JournalRecord(JournalRecordType.Started, instanceId, 0, name, 0, now.UtcTicks, json, parentId));
        created = true;
        return instance;
    }

    private void Launch(OrchestrationInstance instance)
    {
        if (instance.IsTerminal || !instance.TryMarkLaunched()) return;
        instance.Status = OrchestrationRuntimeStatus.Running;
        instance.Execution = Task.Run(() => ExecuteAsync(instance));
    }

    private async Task ExecuteAsync(OrchestrationInstance instance)
    {
        OrchestrationRegistration? registration = null;
        object? input = null;
        try
        {
            registration = Registry.Orchestration(instance.Name);
            input = instance.LiveInput ?? JsonSerializer.Deserialize(instance.InputJson, registration.InputType, PlatformJson.Stored);
            var context = new LocalOrchestrationContext(this, instance);
            Task<object?> running = null!;
            LocalOrchestrationContext.RunDispatched(() => running = registration.Run(context, input));
            var output = await running.ConfigureAwait(false);
            context.EnsureHistoryConsumed();
            Finish(instance, JournalRecordType.Completed, Serialize(output, registration.OutputType), output, null);
        }
        catch (InstanceAbandonedException)
        {
            instance.Signal();
        }
        catch (OrchestrationTerminatedException ex)
        {
            TryFinish(instance, JournalRecordType.Terminated, null, null, ex.Reason);
        }
        catch (Exception ex)
        {
            if (stopping.IsCancellationRequested || journalFailed)
            {
                instance.Signal();
                return;
            }
            logger.LogError(ex, "Orchestration {InstanceId} ({Name}) failed", instance.Id, instance.Name);
            var reason = ex is NonDeterministicOrchestrationException or JsonException or NotSupportedException
                ? ex.Message
                : $"{ex.GetType().Name}: {ex.Message}";
            if (registration?.OnFailed is { } onFailed && input is not null)
            {
                try
                {
                    await onFailed(input, reason, stopping.Token).ConfigureAwait(false);
                }
                catch (Exception hookError) when (hookError is not OperationCanceledException)
                {
                    logger.LogError(hookError, "Could not record the failure of orchestration {InstanceId}", instance.Id);
                }
            }
            TryFinish(instance, JournalRecordType.Failed, null, null, reason);
        }
    }

    private void TryFinish(OrchestrationInstance instance, JournalRecordType type, string? outputJson, object? output, string? failure)
    {
        try
        {
            Finish(instance, type, outputJson, output, failure);
        }
        catch (InstanceAbandonedException)
        {
            instance.Signal();
        }
    }

    private void Finish(OrchestrationInstance instance, JournalRecordType type, string? outputJson, object? output, string? failure)
    {
        // The last custom status and the version the finished instance will have travel in its finish record, so it reads
        // the same after a restart as before (Durable keeps a finished instance's custom status too).
        string? customStatus;
        int version;
        lock (instance.Gate)
        {
            customStatus = instance.CustomStatus is { } status ? JsonSerializer.Serialize(status, status.GetType(), PlatformJson.Options) : null;
            version = checked((int)instance.Version + 1);
        }
        Record(instance, new JournalRecord(type, instance.Id, version, instance.Name, 0, Time.GetUtcNow().UtcTicks, outputJson ?? failure, customStatus), () =>
        {
            lock (instance.Gate)
            {
                instance.OutputJson = outputJson;
                instance.Output = output;
                instance.Failure = failure;
                instance.Status = StatusOf(type);
                instance.Version = version;
                instance.SerializedCustomStatus = (version, customStatus);
            }
        });
        instance.ReleaseHistory();
        // Out of memory before anyone waiting is told: whoever saw it finish finds it where it stays.
        Evict(instance);
        instance.Done.TrySetResult();
        instance.Signal();
        if (journal.Length > compactionThreshold) Compact();
    }

    /// <summary>
    /// Moves a finished instance out of memory: into the finished-instance store first, then out of the dictionary, so a
    /// reader looking in that order always finds it (and compaction, which snapshots the dictionary before it flushes
    /// the store, never drops it from both).
    /// </summary>
    private void Evict(OrchestrationInstance instance)
    {
        lock (appendLock)
        {
            // Purged while it was stopping: it is gone, not finished.
            if (!instances.TryGetValue(instance.Id, out var current) || !ReferenceEquals(current, instance)) return;
            finished.Add(instance);
            instances.TryRemove(new KeyValuePair<string, OrchestrationInstance>(instance.Id, instance));
        }
    }

    private static OrchestrationRuntimeStatus StatusOf(JournalRecordType type) => type switch
    {
        JournalRecordType.Completed => OrchestrationRuntimeStatus.Completed,
        JournalRecordType.Failed => OrchestrationRuntimeStatus.Failed,
        _ => OrchestrationRuntimeStatus.Terminated,
    };

    private void Load()
    {
        IReadOnlyList<JournalRecord> records;
        try
        {
            records = journal.ReadAll();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or EndOfStreamException)
        {
            logger.LogError(ex, "The orchestration journal could not be read; starting empty");
            return;
        }

        foreach (var record in records)
        {
            if (record.Type == JournalRecordType.Started)
            {
                var instance = new OrchestrationInstance(record.InstanceId, record.Name, record.Payload ?? "null", record.Extra, record.Timestamp);
                instances[record.InstanceId] = instance;
                if (record.Extra is { } parentId && instances.TryGetValue(parentId, out var parent)) parent.Children.Add(record.InstanceId);
                continue;
            }
            if (!instances.TryGetValue(record.InstanceId, out var target))
            {
                logger.LogWarning("Journal record {Type} names unknown orchestration {InstanceId}; ignored", record.Type, record.InstanceId);
                continue;
            }
            switch (record.Type)
            {
                case JournalRecordType.OperationCompleted or JournalRecordType.OperationFailed:
                    target.Operations[record.Position] = record.Extra is null ? record : record with { Extra = null };
                    if (record.Extra is { } entries) JournalRunTranscript.Load(target, entries);
                    break;
                case JournalRecordType.TranscriptWritten:
                    JournalRunTranscript.Load(target, record.Payload ?? "[]");
                    break;
                case JournalRecordType.TimerScheduled:
                    target.Timers[record.Position] = record.Timestamp;
                    break;
                case JournalRecordType.EventRaised:
                    target.Inbox.Add(new InboxEvent(record.Name, record.Payload));
                    break;
                case JournalRecordType.TerminateRequested:
                    target.TerminateReason = record.Payload;
                    break;
                case JournalRecordType.Completed or JournalRecordType.Failed or JournalRecordType.Terminated:
                    // A finish record: its position is the instance's last version, its extra the last custom status.
                    target.Status = StatusOf(record.Type);
                    if (record.Type == JournalRecordType.Completed) target.OutputJson = record.Payload;
                    else target.Failure = record.Payload;
                    target.Version = record.Position;
                    target.SerializedCustomStatus = (record.Position, record.Extra);
                    break;
            }
        }
        var done = instances.Values.Where(i => i.IsTerminal).ToList();
        if (done.Count == 0) return;
        foreach (var instance in done) instance.ReleaseHistory();
        try
        {
            // Durable in the finished-instance store before the compaction below drops their journal records.
            finished.Store(done);
        }
        catch (SqliteException ex)
        {
            logger.LogError(ex, "Could not store {Count} finished orchestrations; they stay in memory and in the journal", done.Count);
            foreach (var instance in done) instance.Done.TrySetResult();
            return;
        }
        foreach (var instance in done) instances.TryRemove(instance.Id, out _);
        Compact();
    }

    /// <summary>
    /// Rewrites the journal with only what a restart still needs: the instances in memory (unfinished ones, and finished
    /// ones not yet handed to the finished-instance store). Everything finished before is made durable in that store
    /// first; a finished sub-orchestration that an unfinished parent replays is read back from there.
    /// </summary>
    private void Compact()
    {
        lock (appendLock)
        {
            // The dictionary first, then the store: an instance leaving the dictionary meanwhile is in the store by then.
            var keep = instances.Values.ToList();
            try
            {
                finished.FlushDurable();
            }
            catch (SqliteException ex)
            {
                // Not compacted: the journal keeps the finished instances' records until a later compaction succeeds.
                logger.LogError(ex, "Could not store finished orchestrations; the journal is not compacted");
                return;
            }
            var records = new List<JournalRecord>();
            foreach (var instance in keep)
            {
                records.Add(new JournalRecord(JournalRecordType.Started, instance.Id, 0, instance.Name, 0, instance.StartedAt.UtcTicks, instance.InputJson, instance.ParentId));
                records.AddRange(instance.Operations.OrderBy(o => o.Key).Select(o => o.Value));
                if (!instance.Transcript.IsEmpty)
                {
                    var entries = instance.Transcript.OrderBy(t => t.Key).Select(t => new Engine.Runs.TranscriptEntry(t.Key, t.Value)).ToArray();
                    records.Add(new JournalRecord(JournalRecordType.TranscriptWritten, instance.Id, 0, "transcript", 0, instance.StartedAt.UtcTicks, Serialize(entries, entries.GetType())));
                }
                records.AddRange(instance.Timers.Select(t => new JournalRecord(JournalRecordType.TimerScheduled, instance.Id, t.Key, "timer", 0, t.Value.UtcTicks, null)));
                records.AddRange(instance.Inbox.Select(e => new JournalRecord(JournalRecordType.EventRaised, instance.Id, 0, e.Name, 0, instance.StartedAt.UtcTicks, e.Payload)));
                if (instance.TerminateReason is { } reason)
                {
                    records.Add(new JournalRecord(JournalRecordType.TerminateRequested, instance.Id, 0, "terminate", 0, instance.StartedAt.UtcTicks, reason));
                }
                if (instance.IsTerminal)
                {
                    var type = instance.Status switch
                    {
                        OrchestrationRuntimeStatus.Completed => JournalRecordType.Completed,
                        OrchestrationRuntimeStatus.Failed => JournalRecordType.Failed,
                        _ => JournalRecordType.Terminated,
                    };
                    var state = instance.State();
                    records.Add(new JournalRecord(type, instance.Id, (int)state.Version, instance.Name, 0, instance.StartedAt.UtcTicks, instance.OutputJson ?? instance.Failure,
                        state.SerializedCustomStatus));
                }
            }
            journal.Rewrite(records);
        }
    }
}
