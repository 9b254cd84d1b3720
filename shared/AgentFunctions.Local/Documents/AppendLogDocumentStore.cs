using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The document port for the records that only grow (trigger events and their dedupe keys), with an append-only log in
/// front of <see cref="SqliteDocumentStore"/>: a commit is durable once its log record is, and SQLite is filled from the
/// log off the caller's path. SQLite's own commit (page writes, fsync, statements) was the one serial step every webhook
/// delivery waited for; the log's is one write per group of concurrent commits, and (<see cref="AppendLogDurability"/>)
/// either an fsync before the group is acknowledged, or one within <see cref="AppendLogDocumentStoreOptions.SyncInterval"/>
/// after, which a killed process cannot lose (the write is in the operating system's page cache) and only a power cut can.
/// <list type="bullet">
/// <item>Writes are checked against the newest state: the writes not yet filled (kept in memory until SQLite has them),
/// else SQLite. A set of 64-bit hashes of every id the store holds or held tells a create of a new id (a delivery's
/// dedupe key, almost always new) that SQLite need not be asked: only a hash already in the set costs a point read.
/// The set is rebuilt from SQLite at start (measured: 83 - 93 MB of heap per million events, two ids each).</item>
/// <item>Group commit as in <see cref="FileDocumentStore"/>: callers encode their record into a shared buffer; one
/// flusher thread writes the buffer (and with <see cref="AppendLogDurability.PowerLoss"/> fsyncs it), then acknowledges
/// everyone in it; otherwise a sync thread fsyncs what was written, which nobody waits for. The filler takes only synced
/// groups, so SQLite's checkpoint never passes what the log has on disk. A failed write or fsync poisons the store
/// (writes are refused until it is reopened), as the file store does.</item>
/// <item>Reads see only durable state: a point read looks at the durable writes not yet filled, then SQLite. Queries,
/// pages and partition scans wait until SQLite is filled up to everything durable when they were called (usually one
/// fill, a few milliseconds), so a list shows every event acknowledged before it was asked for.</item>
/// <item>The filler applies the log in order, in large transactions, each with the last sequence it covers (SQLite's
/// <c>log_checkpoint</c> row). Puts carry their final body and ETag and deletes remove, so applying a record twice
/// changes nothing: on start, what the log holds beyond the checkpoint is filled again before anything is served
/// (kill -9 between an append and its fill loses nothing and duplicates nothing).</item>
/// <item>The log is a folder of segments named by their first sequence; a segment is deleted once filled.</item>
/// <item>Deferred kinds (<see cref="AppendLogDocumentStoreOptions.DeferredKinds"/>, the dedupe keys): their puts wait
/// as bytes in <see cref="DeferredWrites"/> and are filled in key order, 65,536 at a time, so the key index's pages are
/// each written once per fill rather than once per key (the SQLite writer's CPU per delivery about 22 -> 13 us). While
/// they wait, point reads and writes' checks find them there, a later write of the record supersedes them, SQLite's
/// checkpoint stays below the oldest (a restart fills them again from the log), and a query of their kind or a
/// partition scan waits for them; queries of other kinds do not.</item>
/// </list>
/// </summary>
public sealed class AppendLogDocumentStore : IDocumentStore, AgentFunctions.Lifecycle.ICompactingStore, IDisposable
{
    private const string SegmentSuffix = ".log";
    private const int HeaderSize = 8;

    private readonly SqliteDocumentStore sqlite;
    private readonly AppendLogDocumentStoreOptions options;
    private readonly string directory;
    private readonly SafeFileHandle folderLock;
    private readonly ConcurrentDictionary<string, TenantDocuments> views = new(StringComparer.Ordinal);

    // Guarded by gate: what writers check against, and what the flusher takes.
    private readonly Lock gate = new();
    private readonly Dictionary<LogKey, Pending> newest = [];
    private readonly KnownIds known = new();
    private readonly Queue<(string Path, long LastSequence)> closedSegments = new();
    private ArrayBufferWriter<byte> unwritten = new(64 * 1024);
    private ArrayBufferWriter<byte>? spare = new(64 * 1024);
    private List<LogBatch> unflushed = [];
    private long appendedSequence;
    private long etagCounter;
    private int unfilledWrites;
    private TaskCompletionSource nextFlush = NewGroup();
    private TaskCompletionSource? rotation;
    private bool flusherAwake;
    private Exception? failure;
    private bool disposed;

    // Owned by the flusher thread.
    private SafeFileHandle segment;
    private string segmentPath;
    private long segmentOffset;
    // How far the segment is written already (records, then zeros): writes below it allocate nothing and keep the size.
    private long segmentPrepared;
    // Guarded by syncGate (AppendLogDurability.ProcessCrash): written and acknowledged, not yet fsynced. The sync
    // thread fsyncs them and hands them to the filler, so SQLite, and its checkpoint, never get ahead of what the log
    // has on disk; the flusher never waits for that fsync (it took 1 - 8 ms under load, every acknowledgement waiting).
    private readonly object syncGate = new();
    private List<LogBatch> unsynced = [];
    private long unsyncedSince;
    private bool syncing;
    private bool syncAll;
    // Written under syncGate; readers outside it (WaitFilledAsync) learn the sync thread stopped for good and
    // syncedSequence is final.
    private volatile bool syncFailed;
    private bool syncStopping;

    // Durable, for readers; the filler removes what it filled.
    private readonly ConcurrentDictionary<LogKey, Unfilled> visible = new();
    private readonly ConcurrentQueue<LogBatch> toFill = new();
    private long durableSequence;
    private long filledSequence;
    // The checkpoint SQLite last committed (it holds every write up to it): filledSequence, or less while deferred puts
    // from before it wait. Segments are deleted only up to it.
    private long checkpointSequence;
    private long filledHighestETag;

    // Owned by the filler (readers look up waiting puts in it): the deferred kinds' puts waiting for a sorted fill.
    private readonly DeferredWrites deferred = new();
    private readonly HashSet<string> deferredKinds;
    private TaskCompletionSource filled = NewSignal();
    private long queuedWrites;
    private int fillWaiters;
    private int deferredWaiters;
    // The highest sequence a reader waits to see filled: the sync thread syncs at once while it is beyond syncedSequence.
    private long syncRequested;
    // The last sequence fsynced (by the sync thread, or with PowerLoss the flusher; readers look at it once the sync thread gave up).
    private long syncedSequence;
    private volatile bool fillStopping;

    private readonly SemaphoreSlim flushWake = new(0);
    private readonly SemaphoreSlim fillWake = new(0);
    private readonly Thread flushThread;
    private readonly Thread syncThread;
    private readonly Thread fillThread;

    public AppendLogDocumentStore(string directory, SqliteDocumentStore sqlite, AppendLogDocumentStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        this.sqlite = sqlite ?? throw new ArgumentNullException(nameof(sqlite));
        this.options = options ?? new AppendLogDocumentStoreOptions();
        this.options.Validate();
        deferredKinds = new HashSet<string>(this.options.DeferredKinds, StringComparer.Ordinal);
        this.directory = Path.GetFullPath(directory);
        var created = !Directory.Exists(this.directory);
        Directory.CreateDirectory(this.directory);
        if (created && Path.GetDirectoryName(this.directory) is { } parent) DirectorySync.Flush(parent);
        // One process per log: the lock file is held open exclusively (an flock on Unix) for the store's life.
        folderLock = File.OpenHandle(Path.Combine(this.directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            var last = Recover();
            appendedSequence = durableSequence = syncedSequence = filledSequence = checkpointSequence = last;
            filledHighestETag = etagCounter;
            foreach (var (tenant, kind, id) in sqlite.ReadAllKeys()) known.Add(Hash(new LogKey(tenant, kind, id)));
            segmentPath = SegmentPath(last + 1);
            segment = OpenSegment(segmentPath, FileMode.CreateNew);
            DirectorySync.Flush(this.directory);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
        flushThread = new Thread(FlushLoop) { IsBackground = true, Name = "AppendLogDocumentStore flush" };
        syncThread = new Thread(SyncLoop) { IsBackground = true, Name = "AppendLogDocumentStore sync" };
        fillThread = new Thread(FillLoop) { IsBackground = true, Name = "AppendLogDocumentStore fill" };
        flushThread.Start();
        syncThread.Start();
        fillThread.Start();
    }

    /// <summary>How many log records the last start found beyond SQLite's checkpoint and filled again.</summary>
    public int ReplayedAtStart { get; private set; }

    /// <summary>SQLite holds every write up to this log sequence (its checkpoint): deferred puts hold it back until their sorted fill.</summary>
    public long FilledSequence => Interlocked.Read(ref checkpointSequence);

    /// <summary>How many records' puts wait for their sorted fill (<see cref="AppendLogDocumentStoreOptions.DeferredKinds"/>).</summary>
    public int DeferredWaiting => deferred.Count;

    /// <summary>The last log sequence that is durable (acknowledged).</summary>
    public long DurableSequence => Interlocked.Read(ref durableSequence);

    /// <summary>Test hook: called just before an fsync of the log (on the sync thread; with PowerLoss on the flush thread); throwing stands for a failed fsync.</summary>
    internal Action? BeforeGroupFsync { get; set; }

    public ITenantDocuments For(TenantId tenant)
    {
        if (tenant.Value is null) throw new ArgumentException("A tenant is required.", nameof(tenant));
        return views.GetOrAdd(tenant.Value, static (key, store) => new TenantDocuments(store, new TenantId(key)), this);
    }

    /// <summary>
    /// After a tenant deletion: the log moves to a new segment, the old ones are deleted once filled, and SQLite is
    /// compacted, so none of the deleted records is left in a file.
    /// </summary>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        Task rotated;
        lock (gate)
        {
            ThrowIfUnusable();
            rotation ??= NewSignal();
            rotated = rotation.Task;
            WakeFlusher();
        }
        await rotated.WaitAsync(cancellationToken).ConfigureAwait(false);
        await WaitFilledAsync(cancellationToken).ConfigureAwait(false);
        DeleteFilledSegments();
        await sqlite.CompactAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until SQLite holds every write that was durable when called: lists read from SQLite after it.</summary>
    public Task WaitFilledAsync(CancellationToken cancellationToken = default) => WaitFilledAsync(includeDeferred: true, cancellationToken);

    /// <summary>
    /// Waits until SQLite holds every write that was durable when called, or (<paramref name="includeDeferred"/> false)
    /// every one but the deferred puts, which then wait among the deferred writes: enough for a query of another kind
    /// (the events list, the outbox sweep), which so leaves the dedupe keys to their sorted fill.
    /// </summary>
    internal async Task WaitFilledAsync(bool includeDeferred, CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref durableSequence);
        if (Reached() >= target) return;
        // A reader waiting: the filler fills now rather than at its interval.
        Interlocked.Increment(ref fillWaiters);
        if (includeDeferred) Interlocked.Increment(ref deferredWaiters);
        // Acknowledged writes reach the filler once synced: the sync thread syncs up to the target now rather than at its interval.
        var requested = Interlocked.Read(ref syncRequested);
        while (requested < target && Interlocked.CompareExchange(ref syncRequested, target, requested) is var seen && seen != requested) requested = seen;
        lock (syncGate) Monitor.PulseAll(syncGate);
        try
        {
            try
            {
                fillWake.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed: it filled everything it could before closing.
            }
            while (true)
            {
                var signal = Volatile.Read(ref filled).Task;
                if (Reached() >= target) return;
                // After a failed fsync the writes acknowledged but not synced never reach SQLite: the reader gets what it
                // holds up to the last sync, as it would have before they were written. (After a failed write the sync
                // thread still syncs what was acknowledged, and the reader waits for it as usual.)
                if (syncFailed && Reached() >= Math.Min(target, Interlocked.Read(ref syncedSequence))) return;
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref fillWaiters);
            if (includeDeferred) Interlocked.Decrement(ref deferredWaiters);
        }

        long Reached() => Interlocked.Read(ref includeDeferred ? ref checkpointSequence : ref filledSequence);
    }

    /// <summary>Stops taking writes, makes the appended ones durable, fills SQLite with everything (unless the fill is held) and closes the log.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            WakeFlusher();
        }
        flushThread.Join();
        lock (syncGate)
        {
            syncStopping = true;
            Monitor.PulseAll(syncGate);
        }
        syncThread.Join();
        fillStopping = true;
        fillWake.Release();
        fillThread.Join();
        segment.Dispose();
        folderLock.Dispose();
        flushWake.Dispose();
        fillWake.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A group's completion: its continuations run inline on the one pool work item that completes it.</summary>
    private static TaskCompletionSource NewGroup() => new(TaskCreationOptions.None);

    private string SegmentPath(long firstSequence) => Path.Combine(directory, firstSequence.ToString("x16", CultureInfo.InvariantCulture) + SegmentSuffix);

    private static SafeFileHandle OpenSegment(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.Read);

    /// <summary>
    /// Fills SQLite with every log record beyond its checkpoint (a crash between append and fill), then deletes the
    /// segments. A torn record at the end (kill -9 mid-write) was never acknowledged and is dropped with what follows.
    /// </summary>
    private long Recover()
    {
        var (checkpoint, checkpointETag) = sqlite.ReadLogCheckpoint();
        var last = checkpoint;
        var highestETag = Math.Max(checkpointETag, sqlite.IssuedETags);
        var segments = Directory.GetFiles(directory, "*" + SegmentSuffix).Order(StringComparer.Ordinal).ToList();
        var replay = new List<LogBatch>();
        for (var s = 0; s < segments.Count; s++)
        {
            var bytes = File.ReadAllBytes(segments[s]);
            var offset = 0;
            while (TryDecode(bytes.AsSpan(offset), out var batch, out var consumed))
            {
                offset += consumed;
                if (batch!.Sequence <= checkpoint) continue;
                if (batch.Sequence != last + 1)
                {
                    throw new IOException($"The append log in '{directory}' skips from sequence {last} to {batch.Sequence}: a segment is missing.");
                }
                last = batch.Sequence;
                highestETag = Math.Max(highestETag, batch.HighestETag);
                replay.Add(batch);
            }
            // A segment is zero-filled ahead of its records: what follows the last record is zeros, or (the last segment
            // only) a record torn by a crash, never acknowledged.
            if (offset < bytes.Length && s < segments.Count - 1 && bytes.AsSpan(offset).IndexOfAnyExcept((byte)0) >= 0)
            {
                throw new IOException($"The append log segment '{segments[s]}' is corrupt at byte {offset}, before the last segment.");
            }
        }
        for (var i = 0; i < replay.Count;)
        {
            var chunk = TakeFill(replay, ref i, defer: false);
            sqlite.FillAsync(chunk.Writes, chunk.Last, highestETag).GetAwaiter().GetResult();
        }
        ReplayedAtStart = replay.Count;
        // SQLite has everything now (its commits are fsynced): the old segments are no longer needed.
        foreach (var path in segments) File.Delete(path);
        etagCounter = highestETag;
        return last;
    }

    /// <summary>
    /// The next fill's writes, in log order. With <paramref name="defer"/>, a put of a deferred kind goes to the deferred
    /// writes instead (before the batch's other writes are filled, so a reader finds it there once the batch has left
    /// memory), and any other write of a deferred kind takes the record's waiting put out of them (a later write wins).
    /// </summary>
    private (List<FilledWrite> Writes, long Last) TakeFill(List<LogBatch> batches, ref int index, bool defer)
    {
        var writes = new List<FilledWrite>();
        var last = 0L;
        while (index < batches.Count && (writes.Count == 0 || writes.Count + batches[index].Entries.Length <= options.FillBatchWrites))
        {
            var batch = batches[index++];
            foreach (var entry in batch.Entries)
            {
                if (defer && deferredKinds.Contains(entry.Kind))
                {
                    var fingerprint = Hash(new LogKey(batch.Tenant, entry.Kind, entry.Id));
                    if (entry.Json is not null && deferred.TryAdd(fingerprint, batch.Sequence, batch.Tenant, entry.Kind, entry.Id, entry.ETag!, entry.Json)) continue;
                    deferred.Drop(fingerprint, batch.Tenant, entry.Kind, entry.Id);
                }
                writes.Add(new FilledWrite(batch.Tenant, entry.Kind, entry.Id, entry.ETag, entry.Json));
            }
            last = batch.Sequence;
        }
        return (writes, last);
    }

    /// <summary>The checkpoint SQLite may record once it holds the log's writes up to <paramref name="last"/>: below the oldest deferred put still waiting.</summary>
    private long CheckpointFor(long last) => deferred.OldestSequence == 0 ? last : Math.Min(last, deferred.OldestSequence - 1);

    private Task<IReadOnlyList<string?>> CommitAsync(TenantId tenant, IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        DocumentRules.Validate(writes);
        if (writes.Count == 0) return Task.FromResult<IReadOnlyList<string?>>([]);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref unfilledWrites) > options.MaxUnfilledWrites) return CommitWhenFilledAsync(tenant, writes, cancellationToken);
        return Append(tenant, writes);
    }

    /// <summary>Back-pressure: while the fill is this far behind, commits wait for it rather than growing memory.</summary>
    private async Task<IReadOnlyList<string?>> CommitWhenFilledAsync(TenantId tenant, IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref unfilledWrites) > options.MaxUnfilledWrites)
        {
            var signal = Volatile.Read(ref filled).Task;
            if (Volatile.Read(ref unfilledWrites) <= options.MaxUnfilledWrites) break;
            lock (gate) ThrowIfUnusable();
            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await Append(tenant, writes).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<string?>> Append(TenantId tenant, IReadOnlyList<DocumentWrite> writes)
    {
        var entries = new LogEntryData[writes.Count];
        // Private copies: the caller may reuse its buffers once the commit returns.
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            entries[i] = new LogEntryData(write.Kind, write.Id, null, write.Mode == DocumentWriteMode.Delete ? null : write.Json.ToArray());
        }
        var etags = new string?[writes.Count];
        Task durable;
        lock (gate)
        {
            ThrowIfUnusable();
            for (var i = 0; i < writes.Count; i++)
            {
                var current = Current(tenant.Value, writes[i]);
                if (DocumentRules.Refusal(writes[i], current?.ETag, current is not null) is { } refusal) return Task.FromException<IReadOnlyList<string?>>(refusal);
            }
            var sequence = ++appendedSequence;
            for (var i = 0; i < entries.Length; i++)
            {
                if (entries[i].Json is null) continue;
                etags[i] = (++etagCounter).ToString("x", CultureInfo.InvariantCulture);
                entries[i] = entries[i] with { ETag = etags[i] };
            }
            var batch = new LogBatch(sequence, tenant.Value, entries, etagCounter);
            Encode(unwritten, batch);
            for (var i = 0; i < entries.Length; i++)
            {
                var entry = entries[i];
                var key = new LogKey(tenant.Value, entry.Kind, entry.Id);
                newest[key] = new Pending(entry.Json is null ? null : new StoredDocument(entry.Kind, entry.Id, entry.Json, entry.ETag!), sequence);
                if (entry.Json is not null) known.Add(Hash(key));
            }
            unflushed.Add(batch);
            unfilledWrites += entries.Length;
            durable = nextFlush.Task;
            WakeFlusher();
        }
        // Once appended the batch is made durable whatever the caller's token says, so the wait ignores it.
        return WaitDurableAsync(durable, etags);
    }

    private static async Task<IReadOnlyList<string?>> WaitDurableAsync(Task durable, string?[] etags)
    {
        await durable.ConfigureAwait(false);
        return etags;
    }

    /// <summary>Under the gate: the record as the newest write left it (filled or not), null when absent.</summary>
    private StoredDocument? Current(string tenant, DocumentWrite write)
    {
        var key = new LogKey(tenant, write.Kind, write.Id);
        if (newest.TryGetValue(key, out var pending)) return pending.State;
        // Never held: no need to ask SQLite (the common case, a new delivery's dedupe key and event).
        var fingerprint = Hash(key);
        if (!known.Contains(fingerprint)) return null;
        if (deferredKinds.Contains(write.Kind) && deferred.TryRead(fingerprint, tenant, write.Kind, write.Id, out var waiting)) return waiting;
        return sqlite.ReadDocument(new TenantId(tenant), write.Kind, write.Id);
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (failure is not null) throw new IOException("The append log failed to write durably earlier and refuses writes until reopened.", failure);
    }

    /// <summary>Under the gate.</summary>
    private void WakeFlusher()
    {
        if (flusherAwake) return;
        flusherAwake = true;
        flushWake.Release();
    }

    private void FlushLoop()
    {
        while (true)
        {
            flushWake.Wait();
            FlushUntilIdle();
            lock (gate)
            {
                if (!disposed || (unflushed.Count != 0 && failure is null)) continue;
            }
            // Closing: everything written is synced and with the filler before the flusher stops.
            SyncAllAndWait();
            return;
        }
    }

    /// <summary>
    /// The sync thread (<see cref="AppendLogDurability.ProcessCrash"/>): fsyncs what the flusher wrote since the last
    /// fsync, at the latest <see cref="AppendLogDocumentStoreOptions.SyncInterval"/> after the first of it, at once when a
    /// reader waits for the fill (WaitFilledAsync) or the flusher closes a segment; then the filler takes it. A failed
    /// fsync poisons the store as a failed group commit does: the writes acknowledged before it stay readable from
    /// memory but are neither filled nor fsynced again (a second fsync can succeed after the kernel dropped the failed
    /// pages), and every write after is refused.
    /// </summary>
    private void SyncLoop()
    {
        while (true)
        {
            List<LogBatch> batches;
            SafeFileHandle handle;
            lock (syncGate)
            {
                while (true)
                {
                    if (syncFailed) return;
                    if (unsynced.Count == 0)
                    {
                        if (syncStopping) return;
                        Monitor.Wait(syncGate);
                        continue;
                    }
                    var wait = syncAll || syncStopping ? TimeSpan.Zero : SyncWait();
                    if (wait <= TimeSpan.Zero) break;
                    // Whole milliseconds, rounded up: a wait rounded down to zero would spin against the flusher.
                    Monitor.Wait(syncGate, (int)Math.Ceiling(wait.TotalMilliseconds));
                }
                batches = unsynced;
                unsynced = [];
                // The flusher changes segments only with nothing unsynced and this thread idle (SyncAllAndWait).
                handle = segment;
                syncing = true;
            }
            try
            {
                BeforeGroupFsync?.Invoke();
                DataSync.Flush(handle);
            }
            catch (Exception ex)
            {
                // The store refuses writes first, then the flusher and readers learn the sync thread is gone.
                Poison(ex, completing: null);
                lock (syncGate)
                {
                    syncing = false;
                    syncFailed = true;
                    Monitor.PulseAll(syncGate);
                }
                // Readers waiting for writes that will now never be filled look again (WaitFilledAsync).
                Interlocked.Exchange(ref filled, NewSignal()).TrySetResult();
                return;
            }
            Interlocked.Exchange(ref syncedSequence, batches[^1].Sequence);
            HandToFiller(batches);
            lock (syncGate)
            {
                syncing = false;
                Monitor.PulseAll(syncGate);
            }
        }
    }

    /// <summary>Under syncGate: how long until the unsynced writes are due (zero or less: now; a reader waiting for them: now).</summary>
    private TimeSpan SyncWait() => Interlocked.Read(ref syncRequested) > Interlocked.Read(ref syncedSequence)
        ? TimeSpan.Zero
        : options.SyncInterval - Stopwatch.GetElapsedTime(unsyncedSince);

    /// <summary>Flusher: after a group's write (ProcessCrash), its batches wait for the sync thread.</summary>
    private void QueueForSync(List<LogBatch> batches)
    {
        lock (syncGate)
        {
            if (unsynced.Count == 0)
            {
                unsyncedSince = Stopwatch.GetTimestamp();
                // The sync thread sleeps without a deadline while nothing waits: it starts the interval now.
                Monitor.Pulse(syncGate);
            }
            unsynced.AddRange(batches);
        }
    }

    /// <summary>Flusher: waits until everything written is fsynced and with the filler (a segment closing, the store closing).</summary>
    /// <returns>False when an fsync failed.</returns>
    private bool SyncAllAndWait()
    {
        lock (syncGate)
        {
            syncAll = true;
            Monitor.PulseAll(syncGate);
            while ((unsynced.Count > 0 || syncing) && !syncFailed) Monitor.Wait(syncGate);
            syncAll = false;
            return !syncFailed;
        }
    }

    /// <summary>After a failed write or fsync: refuses every write from now on, and fails the commits still waiting.</summary>
    private void Poison(Exception ex, TaskCompletionSource? completing)
    {
        TaskCompletionSource later;
        TaskCompletionSource? rotate;
        lock (gate)
        {
            // Part of it may be on disk, or the kernel may have dropped its dirty pages: nothing after it can be
            // promised durable.
            failure ??= ex;
            later = nextFlush;
            flusherAwake = false;
            rotate = rotation;
            rotation = null;
        }
        // A compaction waiting for its rotation hears of the failure rather than waiting until the store closes.
        rotate?.TrySetException(new IOException("The append log failed earlier.", ex));
        var refusal = new IOException("The append log could not make its writes durable and now refuses writes.", ex);
        // Off this thread and outside the gate: the callers' continuations run inline where a group completes.
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            state.Group?.TrySetException(state.Refusal);
            state.Later.TrySetException(state.Refusal);
        }, (Group: completing, Later: later, Refusal: refusal), preferLocal: false);
    }

    /// <summary>Synced batches go to the filler, which is woken when its first write arrives and when a full fill has gathered, not at every flush.</summary>
    private void HandToFiller(List<LogBatch> batches)
    {
        var added = 0;
        foreach (var batch in batches)
        {
            toFill.Enqueue(batch);
            added += batch.Entries.Length;
        }
        var before = Interlocked.Add(ref queuedWrites, added) - added;
        if (before <= 0 || (before < options.FillBatchWrites && before + added >= options.FillBatchWrites)) fillWake.Release();
    }

    /// <summary>The group commit: one write for every record appended since the last one (with PowerLoss, and its fsync).</summary>
    private void FlushUntilIdle()
    {
        while (true)
        {
            ArrayBufferWriter<byte> buffer;
            List<LogBatch> batches;
            TaskCompletionSource generation;
            TaskCompletionSource? rotate;
            long target;
            lock (gate)
            {
                if (failure is not null)
                {
                    rotation?.TrySetException(new IOException("The append log failed earlier.", failure));
                    rotation = null;
                    flusherAwake = false;
                    return;
                }
                if (unflushed.Count == 0)
                {
                    // Idle: a rotation asked for (a compaction) happens now; everything appended is in the current segment.
                    rotate = rotation;
                    rotation = null;
                    target = appendedSequence;
                    if (rotate is null)
                    {
                        flusherAwake = false;
                        return;
                    }
                }
                else
                {
                    rotate = null;
                    target = 0;
                }
            }
            if (rotate is not null)
            {
                RotateFor(rotate, target);
                continue;
            }
            // A moment for more commits to join this group: fewer, larger writes and fsyncs, and fewer wake-ups of the
            // callers' threads, for a little latency.
            if (options.GroupCommitDelay > TimeSpan.Zero) Thread.Sleep(options.GroupCommitDelay);
            lock (gate)
            {
                // A failed background fsync (the sync thread) poisons the store at any moment: no group after it is written.
                if (failure is not null)
                {
                    flusherAwake = false;
                    return;
                }
                buffer = unwritten;
                unwritten = spare ?? new ArrayBufferWriter<byte>(64 * 1024);
                spare = null;
                batches = unflushed;
                unflushed = new List<LogBatch>(batches.Count);
                generation = nextFlush;
                nextFlush = NewGroup();
                target = appendedSequence;
            }

            var syncEach = options.Durability == AppendLogDurability.PowerLoss;
            try
            {
                Prepare(segmentOffset + buffer.WrittenCount);
                RandomAccess.Write(segment, buffer.WrittenSpan, segmentOffset);
                if (syncEach)
                {
                    BeforeGroupFsync?.Invoke();
                    DataSync.Flush(segment);
                    Interlocked.Exchange(ref syncedSequence, target);
                }
            }
            catch (Exception ex)
            {
                Poison(ex, generation);
                return;
            }
            segmentOffset += buffer.WrittenCount;
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= 4 * 1024 * 1024)
            {
                lock (gate) spare = buffer;
            }

            // Visible to readers in log order, then acknowledged; then, once synced, the filler takes them.
            foreach (var batch in batches)
            {
                for (var i = 0; i < batch.Entries.Length; i++)
                {
                    var entry = batch.Entries[i];
                    var state = new Unfilled(entry.Json is null ? null : new StoredDocument(entry.Kind, entry.Id, entry.Json, entry.ETag!));
                    batch.Visible[i] = state;
                    visible[new LogKey(batch.Tenant, entry.Kind, entry.Id)] = state;
                }
            }
            Interlocked.Exchange(ref durableSequence, target);
            // One pool work item runs every caller's continuation in turn, rather than one work item (and possibly one
            // woken, then spinning, pool thread) per caller; never the flusher itself, which goes on to the next group.
            ThreadPool.UnsafeQueueUserWorkItem(static group => group.TrySetResult(), generation, preferLocal: false);
            if (syncEach)
            {
                HandToFiller(batches);
            }
            else
            {
                QueueForSync(batches);
            }
            lock (gate)
            {
                rotate = rotation;
                rotation = null;
            }
            if (rotate is not null)
            {
                RotateFor(rotate, target);
            }
            else if (segmentOffset >= options.SegmentBytes)
            {
                try
                {
                    Rotate(target);
                }
                catch (IOException)
                {
                    // The current segment stays in use; the next flush tries again.
                }
            }
        }
    }

    private void RotateFor(TaskCompletionSource request, long last)
    {
        try
        {
            if (segmentOffset > 0) Rotate(last);
            request.TrySetResult();
        }
        catch (Exception ex)
        {
            request.TrySetException(ex);
        }
    }

    /// <summary>Starts a new segment after <paramref name="last"/>; the old one is deleted once filled. A failure keeps the old one in use.</summary>
    private void Rotate(long last)
    {
        // A closed segment is whole on disk before the next one starts: only the last segment can end torn.
        if (!SyncAllAndWait()) throw new IOException("The append log failed to sync its segment before closing it.", failure);
        var path = SegmentPath(last + 1);
        SafeFileHandle next;
        try
        {
            next = OpenSegment(path, FileMode.CreateNew);
            DirectorySync.Flush(directory);
        }
        catch (IOException)
        {
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
        lock (gate) closedSegments.Enqueue((segmentPath, last));
        segment.Dispose();
        segment = next;
        segmentPath = path;
        segmentOffset = 0;
        segmentPrepared = 0;
    }

    /// <summary>
    /// Zero-fills the segment ahead of its records, up to past <paramref name="end"/>, in chunks that double up to
    /// <see cref="AppendLogDocumentStoreOptions.PreallocateBytes"/>: the group commits that write into it then change
    /// neither the file's size nor its blocks, so their sync writes data only, with no block allocation and no new size
    /// (the inode is written only when its modification time has moved, at most once per kernel tick; measured: the
    /// flusher's sync CPU per delivery about 40 % lower, its inode writes about half). Written, not fallocated:
    /// unwritten extents would change at each write. The commit that extends makes the zeros and the new size durable
    /// with its own records.
    /// </summary>
    private void Prepare(long end)
    {
        if (end <= segmentPrepared) return;
        const long Smallest = 64 * 1024;
        var chunk = Math.Clamp(segmentPrepared, Smallest, Math.Max(options.PreallocateBytes, Smallest));
        var target = (end + chunk + 4095) / 4096 * 4096;
        for (var at = segmentPrepared; at < target;)
        {
            var length = (int)Math.Min(Zeros.Length, target - at);
            RandomAccess.Write(segment, Zeros.AsSpan(0, length), at);
            at += length;
        }
        segmentPrepared = target;
    }

    private static readonly byte[] Zeros = new byte[256 * 1024];

    /// <summary>
    /// Fills SQLite in large transactions: when <see cref="AppendLogDocumentStoreOptions.FillBatchWrites"/> writes have
    /// gathered, when a query waits for the fill, or at the latest <see cref="AppendLogDocumentStoreOptions.FillInterval"/>
    /// after the first write waiting. A transaction per flush would put SQLite's per-commit cost back on every delivery.
    /// </summary>
    private void FillLoop()
    {
        var carried = new List<LogBatch>();
        var carriedWrites = 0;
        while (true)
        {
            if (carried.Count == 0 && toFill.IsEmpty)
            {
                // Read once: a Dispose between the check and the return would otherwise leave waiting puts unfilled.
                var stopping = fillStopping;
                if (DeferredDue(stopping))
                {
                    if (!TryFillDeferred()) return;
                    continue;
                }
                if (stopping) return;
                if (deferred.OldestSequence == 0) fillWake.Wait();
                else fillWake.Wait(TimeSpan.FromMilliseconds(Math.Max(1, deferred.OldestAddedAt + (long)options.DeferredFillInterval.TotalMilliseconds - Environment.TickCount64)));
                continue;
            }
            var deadline = Environment.TickCount64 + (long)options.FillInterval.TotalMilliseconds;
            while (!FillDue() && Environment.TickCount64 < deadline)
            {
                fillWake.Wait(TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64)));
            }
            if (options.HoldFill)
            {
                if (fillStopping) return;
                fillWake.Wait();
                continue;
            }
            while (true)
            {
                while (carried.Count == 0 || carriedWrites < options.FillBatchWrites)
                {
                    if (!toFill.TryDequeue(out var next)) break;
                    carried.Add(next);
                    carriedWrites += next.Entries.Length;
                    Interlocked.Add(ref queuedWrites, -next.Entries.Length);
                }
                if (carried.Count == 0) break;
                try
                {
                    var index = 0;
                    var (writes, last) = TakeFill(carried, ref index, defer: deferredKinds.Count > 0);
                    var highest = carried[index - 1].HighestETag;
                    var checkpoint = CheckpointFor(last);
                    sqlite.FillAsync(writes, checkpoint, highest).GetAwaiter().GetResult();
                    filledHighestETag = highest;
                    Filled(carried.GetRange(0, index), last, checkpoint);
                    carried.RemoveRange(0, index);
                    carriedWrites = carried.Sum(c => c.Entries.Length);
                    // Under a steady load this loop seldom finds the queue empty: the deferred puts are filled when due
                    // (a flush's worth, their longest wait, a query waiting), not when the load pauses, so their memory
                    // stays bounded. SQLite holds every batch up to filledSequence now, and the waiting puts come from
                    // batches taken so far, so recording filledSequence after them is right (a put from a batch still
                    // carried could only be among them after a failed fill; filling it early changes nothing).
                    if (!fillStopping && DeferredDue(stopping: false)) FillDeferred();
                }
                catch (Exception) when (!fillStopping)
                {
                    // SQLite refused (disk full, locked by a compaction beyond its timeout): the log keeps the writes, and
                    // the fill is tried again; reads of the durable writes meanwhile come from memory.
                    Thread.Sleep(options.FillRetryDelay);
                    break;
                }
                catch (Exception)
                {
                    return; // stopping: what is left is filled again from the log at the next start
                }
            }
        }
    }

    /// <summary>
    /// Whether the deferred puts are filled now: a flush's worth has gathered, the oldest has waited its longest, a query
    /// waits for everything durable, the store is closing, or every waiting put was superseded (the checkpoint moves on).
    /// </summary>
    private bool DeferredDue(bool stopping) => deferred.OldestSequence != 0 && (deferred.Count == 0 || stopping || Volatile.Read(ref deferredWaiters) > 0
        || deferred.Count >= options.DeferredFillWrites
        // Superseded puts keep their bytes until the buffer starts over: repeated puts of the same records fill it too.
        || deferred.BufferedBytes >= MaxDeferredBytes
        || Environment.TickCount64 - deferred.OldestAddedAt >= (long)options.DeferredFillInterval.TotalMilliseconds);

    private const int MaxDeferredBytes = 64 * 1024 * 1024;

    /// <summary>Fills the deferred puts; false when SQLite refused while the store closes (the next start fills them from the log).</summary>
    private bool TryFillDeferred()
    {
        try
        {
            FillDeferred();
            return true;
        }
        catch (Exception) when (!fillStopping)
        {
            Thread.Sleep(options.FillRetryDelay);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// The deferred puts in key order, <see cref="AppendLogDocumentStoreOptions.FillBatchWrites"/> per transaction: each
    /// transaction's inserts touch the key index's pages in one pass, where the same records filled with their batches
    /// land on pages all over it (two thirds of the fill's cost, measured). Until the last transaction the checkpoint
    /// stays below the oldest waiting put; records leave the deferred writes once SQLite has them.
    /// </summary>
    private void FillDeferred()
    {
        var offsets = deferred.SortedSnapshot();
        var filledUpTo = Interlocked.Read(ref filledSequence);
        // At least one transaction, even with nothing left to fill (every waiting put superseded): SQLite's own checkpoint
        // must move before the segments below it go, or a restart would find the log starting past its checkpoint.
        var at = 0;
        do
        {
            var count = Math.Min(options.FillBatchWrites, offsets.Length - at);
            var writes = new List<FilledWrite>(count);
            for (var i = 0; i < count; i++) writes.Add(deferred.Materialize(offsets[at + i]));
            var checkpoint = at + count == offsets.Length ? filledUpTo : CheckpointFor(filledUpTo);
            sqlite.FillAsync(writes, checkpoint, filledHighestETag).GetAwaiter().GetResult();
            deferred.Filled(offsets.AsSpan(at, count));
            at += count;
        }
        while (at < offsets.Length);
        deferred.ResetIfEmpty();
        // What SQLite recorded last: filledUpTo (the filler alone moves filledSequence, and it is here).
        Interlocked.Exchange(ref checkpointSequence, filledUpTo);
        // The segments go before the waiters wake: a query that waited for the fill finds them gone.
        DeleteFilledSegments();
        Interlocked.Exchange(ref filled, NewSignal()).TrySetResult();
    }

    private bool FillDue() => fillStopping || Volatile.Read(ref fillWaiters) > 0 || Volatile.Read(ref queuedWrites) >= options.FillBatchWrites;

    /// <summary>After SQLite committed the batches up to <paramref name="last"/> with <paramref name="checkpoint"/> recorded: memory lets them go, and the segments SQLite's checkpoint covers are deleted.</summary>
    private void Filled(List<LogBatch> batches, long last, long checkpoint)
    {
        foreach (var batch in batches)
        {
            for (var i = 0; i < batch.Entries.Length; i++)
            {
                var entry = batch.Entries[i];
                visible.TryRemove(new KeyValuePair<LogKey, Unfilled>(new LogKey(batch.Tenant, entry.Kind, entry.Id), batch.Visible[i]));
            }
        }
        lock (gate)
        {
            foreach (var batch in batches)
            {
                foreach (var entry in batch.Entries)
                {
                    var key = new LogKey(batch.Tenant, entry.Kind, entry.Id);
                    // A later write to the same record is still pending: its state stays.
                    if (newest.TryGetValue(key, out var pending) && pending.Sequence == batch.Sequence) newest.Remove(key);
                }
                unfilledWrites -= batch.Entries.Length;
            }
        }
        Interlocked.Exchange(ref filledSequence, last);
        Interlocked.Exchange(ref checkpointSequence, checkpoint);
        DeleteFilledSegments();
        Interlocked.Exchange(ref filled, NewSignal()).TrySetResult();
    }

    /// <summary>Deletes the closed segments SQLite holds all of.</summary>
    private void DeleteFilledSegments()
    {
        var obsolete = new List<string>();
        lock (gate)
        {
            var last = Interlocked.Read(ref checkpointSequence);
            while (closedSegments.TryPeek(out var closed) && closed.LastSequence <= last) obsolete.Add(closedSegments.Dequeue().Path);
        }
        foreach (var path in obsolete)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the next start, which skips what SQLite already holds and deletes it. Never thrown on: the
                // filler calls this after a commit, and a throw there would fill the same batches again.
            }
        }
    }

    /// <summary>
    /// <c>[length:int32][crc32c:uint32][sequence:int64][highest etag:int64][tenant][count:int32]</c>, then per write
    /// <c>[put:byte][kind][id][etag][json length:int32][json]</c>; strings as <c>[length:int32][utf-8]</c>.
    /// </summary>
    private static void Encode(ArrayBufferWriter<byte> output, LogBatch batch)
    {
        var size = HeaderSize + 8 + 8 + LengthPrefixed.Size(batch.Tenant) + 4;
        foreach (var entry in batch.Entries)
        {
            size += 1 + LengthPrefixed.Size(entry.Kind) + LengthPrefixed.Size(entry.Id) + LengthPrefixed.Size(entry.ETag ?? string.Empty) + 4 + (entry.Json?.Length ?? 0);
        }
        var span = output.GetSpan(size)[..size];
        BinaryPrimitives.WriteInt32LittleEndian(span, size - HeaderSize);
        var at = HeaderSize;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], batch.Sequence);
        at += 8;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], batch.HighestETag);
        at += 8;
        at += LengthPrefixed.Write(span[at..], batch.Tenant);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], batch.Entries.Length);
        at += 4;
        foreach (var entry in batch.Entries)
        {
            span[at++] = entry.Json is null ? (byte)0 : (byte)1;
            at += LengthPrefixed.Write(span[at..], entry.Kind);
            at += LengthPrefixed.Write(span[at..], entry.Id);
            at += LengthPrefixed.Write(span[at..], entry.ETag ?? string.Empty);
            var json = entry.Json ?? [];
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], json.Length);
            at += 4;
            json.CopyTo(span[at..]);
            at += json.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32C.Compute(span[HeaderSize..size]));
        output.Advance(size);
    }

    /// <summary>Decodes the record at the start of <paramref name="buffer"/>; false when it is incomplete or corrupt.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> buffer, out LogBatch? batch, out int consumed)
    {
        batch = null;
        consumed = 0;
        if (buffer.Length < HeaderSize) return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (length < 20 || buffer.Length - HeaderSize < length) return false;
        var body = buffer.Slice(HeaderSize, length);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..])) return false;
        try
        {
            var at = 0;
            var sequence = BinaryPrimitives.ReadInt64LittleEndian(body);
            var highest = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
            at = 16;
            var tenant = LengthPrefixed.ReadString(body, ref at);
            var count = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
            at += 4;
            var entries = new LogEntryData[count];
            for (var i = 0; i < count; i++)
            {
                var put = body[at++] == 1;
                var kind = LengthPrefixed.ReadString(body, ref at);
                var id = LengthPrefixed.ReadString(body, ref at);
                var etag = LengthPrefixed.ReadString(body, ref at);
                var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
                at += 4;
                var json = body.Slice(at, jsonLength).ToArray();
                at += jsonLength;
                entries[i] = put ? new LogEntryData(kind, id, etag, json) : new LogEntryData(kind, id, null, null);
            }
            batch = new LogBatch(sequence, tenant, entries, highest);
            consumed = HeaderSize + length;
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>FNV-1a over the key's characters: a 64-bit fingerprint for the set of ids the store holds or held.</summary>
    private static ulong Hash(LogKey key)
    {
        var hash = 14695981039346656037UL;
        Mix(ref hash, key.Tenant);
        Mix(ref hash, key.Kind);
        Mix(ref hash, key.Id);
        return hash;

        static void Mix(ref ulong hash, string value)
        {
            foreach (var c in value) hash = (hash ^ c) * 1099511628211UL;
            hash = (hash ^ 0xFFFF) * 1099511628211UL; // a separator no character of a UTF-16 string equals in this position
        }
    }

    /// <summary>
    /// The durable state, looked up where a write moves through: in memory until filled, among the deferred puts until
    /// their sorted fill, then SQLite. Each stage takes a write before the one before lets it go, so none is missed.
    /// </summary>
    private StoredDocument? ReadDurable(TenantId tenant, string kind, string id)
    {
        var key = new LogKey(tenant.Value, kind, id);
        if (visible.TryGetValue(key, out var unfilled)) return unfilled.State;
        if (deferredKinds.Contains(kind) && deferred.TryRead(Hash(key), tenant.Value, kind, id, out var waiting)) return waiting;
        return sqlite.ReadDocument(tenant, kind, id);
    }

    private readonly record struct LogKey(string Tenant, string Kind, string Id);

    /// <summary>
    /// The fingerprints of every id the store holds or held, in 64 sets chosen by the fingerprint's top bits. One set
    /// doubles its arrays and rehashes every entry when it grows, under the writers' lock: past a few hundred thousand ids
    /// (a load run reaches 700,000) that was an allocation of up to 16 MB and a rehash of every entry while each append
    /// waited; a shard grows 1/64 of that at a time.
    /// </summary>
    private sealed class KnownIds
    {
        private const int ShardBits = 6;
        private readonly HashSet<ulong>[] shards = Enumerable.Range(0, 1 << ShardBits).Select(_ => new HashSet<ulong>()).ToArray();

        public void Add(ulong fingerprint) => Shard(fingerprint).Add(fingerprint);

        public bool Contains(ulong fingerprint) => Shard(fingerprint).Contains(fingerprint);

        // Fibonacci hashing: FNV-1a's top bits alone are not spread evenly enough to pick a shard.
        private HashSet<ulong> Shard(ulong fingerprint) => shards[(int)((fingerprint * 0x9E3779B97F4A7C15UL) >> (64 - ShardBits))];
    }

    /// <summary>One write in the log: a put with body and ETag, or (null body) a delete.</summary>
    private readonly record struct LogEntryData(string Kind, string Id, string? ETag, byte[]? Json);

    private sealed class LogBatch(long sequence, string tenant, LogEntryData[] entries, long highestETag)
    {
        public long Sequence { get; } = sequence;
        public string Tenant { get; } = tenant;
        public LogEntryData[] Entries { get; } = entries;
        public long HighestETag { get; } = highestETag;
        public Unfilled[] Visible { get; } = new Unfilled[entries.Length];
    }

    private readonly record struct Pending(StoredDocument? State, long Sequence);

    /// <summary>A durable state not yet in SQLite. A class: the filler removes exactly the instance it filled.</summary>
    private sealed class Unfilled(StoredDocument? state)
    {
        public StoredDocument? State { get; } = state;
    }

    private sealed class TenantDocuments(AppendLogDocumentStore store, TenantId tenant) : ITenantDocuments
    {
        public TenantId Tenant { get; } = tenant;

        private ITenantDocuments Filled => store.sqlite.For(Tenant);

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(store.ReadDurable(Tenant, kind, id));

        public async Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
        {
            await store.WaitFilledAsync(store.deferredKinds.Contains(kind), cancellationToken).ConfigureAwait(false);
            return await Filled.QueryAsync(kind, filter, cancellationToken).ConfigureAwait(false);
        }

        public async Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            await store.WaitFilledAsync(store.deferredKinds.Contains(kind), cancellationToken).ConfigureAwait(false);
            return await Filled.QueryPageAsync(kind, filter, page, cancellationToken).ConfigureAwait(false);
        }

        public async Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            await store.WaitFilledAsync(cancellationToken).ConfigureAwait(false);
            return await Filled.ReadPartitionPageAsync(page, cancellationToken).ConfigureAwait(false);
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            try
            {
                return store.CommitAsync(Tenant, writes, cancellationToken);
            }
            catch (Exception ex)
            {
                // Refusals arrive through the task, as they do from the other adapters.
                return Task.FromException<IReadOnlyList<string?>>(ex);
            }
        }
    }
}

/// <summary>Sizes of <see cref="AppendLogDocumentStore"/>'s log and fill.</summary>
public sealed record AppendLogDocumentStoreOptions
{
    /// <summary>A segment is closed past this size; it is deleted once filled.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The segment is zero-filled this far ahead of its records at most (in chunks that start at 64 KB and double), so
    /// each group commit's sync writes into blocks allocated already; up to 64 KB: 64 KB steps.
    /// </summary>
    public long PreallocateBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Writes per SQLite transaction of the fill (one fsync each).</summary>
    public int FillBatchWrites { get; init; } = 8192;

    /// <summary>While this many durable writes wait for the fill, commits wait too (memory stays bounded).</summary>
    public int MaxUnfilledWrites { get; init; } = 200_000;

    /// <summary>
    /// The longest a durable write waits for its fill when nothing asks for it sooner (queries do: they wait for the fill,
    /// which then runs at once). Point reads never wait: they read the durable writes not yet filled from memory.
    /// Every write waiting holds a few objects the garbage collector copies at each collection: at 200 ms the webhook
    /// load's collections paused 7.9 - 8.3 ms each, at 50 ms 3.5 - 4.2 ms, which took wrk's p99 from 11 - 14 ms to
    /// 7.6 - 10.0 ms, for about 2.5 us more SQLite writer CPU per delivery. Since writes are acknowledged before their
    /// fsync (about 21,000 a second rather than 17,000), 50 ms paused 5.0 - 6.6 ms and 25 ms 4.5 - 5.0 ms, wrk's p99
    /// 7.8 - 11.2 against 7.4 - 8.4 ms, with no difference in the writer's CPU (docs/benchmarks-webhooks.md).
    /// </summary>
    public TimeSpan FillInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// When a commit is acknowledged: <see cref="AppendLogDurability.ProcessCrash"/> (the default) once its group is
    /// written to the operating system, fsynced within <see cref="SyncInterval"/>; <see cref="AppendLogDurability.PowerLoss"/>
    /// once its group is fsynced.
    /// </summary>
    public AppendLogDurability Durability { get; init; } = AppendLogDurability.ProcessCrash;

    /// <summary>
    /// With <see cref="AppendLogDurability.ProcessCrash"/>: the longest an acknowledged write waits for its fsync (a query
    /// waiting for the fill has it synced at once). What a power cut or a kernel crash can lose; a killed process loses nothing.
    /// </summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How long the flusher waits for more commits before it writes (and with PowerLoss fsyncs) a group (zero: at once).</summary>
    public TimeSpan GroupCommitDelay { get; init; } = TimeSpan.Zero;

    /// <summary>After a failed fill, the pause before the next attempt.</summary>
    public TimeSpan FillRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Kinds whose puts are filled into SQLite later, many at a time and in key order (the local host's dedupe keys: their
    /// ids are hashes, so filled with their batches each insert lands on a different page of the key index). Until then
    /// they are read from memory, SQLite's checkpoint stays below the oldest of them (a restart fills them again from
    /// the log) and queries wait for them as for any write not yet filled.
    /// </summary>
    public IReadOnlyList<string> DeferredKinds { get; init; } = [];

    /// <summary>The deferred puts are filled once this many records wait.</summary>
    public int DeferredFillWrites { get; init; } = 65_536;

    /// <summary>The longest a deferred put waits for its fill (the log segments it is in are kept until then).</summary>
    public TimeSpan DeferredFillInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Test hook: the filler never fills, as if the process died between every append and its fill.</summary>
    internal bool HoldFill { get; init; }

    public void Validate()
    {
        if (PreallocateBytes < 0) throw new ArgumentOutOfRangeException(nameof(PreallocateBytes), "Not negative.");
        if (SegmentBytes < 4096) throw new ArgumentOutOfRangeException(nameof(SegmentBytes), "At least 4 KB.");
        if (FillBatchWrites < 1) throw new ArgumentOutOfRangeException(nameof(FillBatchWrites), "At least 1.");
        if (FillInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(FillInterval), "Not negative.");
        if (SyncInterval < TimeSpan.Zero || SyncInterval > TimeSpan.FromSeconds(10)) throw new ArgumentOutOfRangeException(nameof(SyncInterval), "Zero to 10 s.");
        if (!Enum.IsDefined(Durability)) throw new ArgumentOutOfRangeException(nameof(Durability), "ProcessCrash or PowerLoss.");
        if (MaxUnfilledWrites < FillBatchWrites) throw new ArgumentOutOfRangeException(nameof(MaxUnfilledWrites), "At least one fill batch.");
        if (DeferredFillWrites < 1) throw new ArgumentOutOfRangeException(nameof(DeferredFillWrites), "At least 1.");
        if (DeferredFillInterval < TimeSpan.Zero || DeferredFillInterval > TimeSpan.FromDays(1)) throw new ArgumentOutOfRangeException(nameof(DeferredFillInterval), "Zero to one day.");
    }
}

/// <summary>What an acknowledged commit of <see cref="AppendLogDocumentStore"/> survives.</summary>
public enum AppendLogDurability
{
    /// <summary>
    /// The host's process dying at any instant (kill -9, an out-of-memory kill, a crash): each group is acknowledged once
    /// written to the operating system, whose page cache outlives the process, and fsynced within
    /// <see cref="AppendLogDocumentStoreOptions.SyncInterval"/>. A power cut or a kernel crash can lose that interval.
    /// </summary>
    ProcessCrash,

    /// <summary>Also a power cut: each group is fsynced before it is acknowledged.</summary>
    PowerLoss,
}
