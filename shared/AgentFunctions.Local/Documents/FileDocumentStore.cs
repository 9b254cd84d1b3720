using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The local document store: every tenant's records in memory, every committed batch appended to one log file
/// and fsynced before the commit returns. Concurrent commits share one fsync (group commit).
/// <list type="bullet">
/// <item>Readers only ever see durable state: a batch becomes visible after the fsync that covers it, and all of a
/// batch becomes visible at once (a per-partition sequence lock), so reads stay lock-free.</item>
/// <item>Writers check their preconditions against the newest state, including batches still waiting for their fsync.</item>
/// <item>A failed write or fsync poisons the store: the kernel may have dropped the dirty pages, so nothing after it can be
/// promised durable. Reads keep working (they only see durable state); writes are refused until the store is reopened.</item>
/// <item>On start the log is replayed and a torn tail (kill -9 mid-write) is cut off, so a batch is wholly there or absent.</item>
/// <item>When the log outgrows the live data, it is rewritten as a snapshot: temp file, fsync, rename over the log,
/// fsync the directory. A crash at any point leaves either the old complete log or the new complete one.</item>
/// </list>
/// </summary>
public sealed class FileDocumentStore : IDocumentStore, AgentFunctions.Lifecycle.ICompactingStore, IDisposable
{
    private const string LogFileName = "documents.log";
    private const string SnapshotFileName = "documents.log.compacting";
    private const int SnapshotRecordBytes = 256 * 1024;
    private const int OptimisticReadAttempts = 8;

    private readonly ConcurrentDictionary<string, Partition> partitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TenantDocuments> views = new(StringComparer.Ordinal);
    private readonly FileDocumentStoreOptions options;
    private readonly string directory;

    // Everything below is guarded by writeLock.
    private readonly Lock writeLock = new();
    private readonly Dictionary<DocumentKey, StoredDocument?> pendingState = [];
    private readonly Dictionary<DocumentKey, long> pendingSequence = [];
    private readonly Queue<PendingBatch> unpublished = new();
    private SafeFileHandle log;
    private long appendOffset;
    private long appendedSequence;
    private long durableSequence;
    private long etagCounter;
    private long liveBytes;
    private long compactionFloor;
    private TaskCompletionSource nextFlush = NewFlush();
    private bool flusherAwake;
    private Exception? failure;
    private bool disposed;

    // The flusher is a dedicated thread, not a thread-pool task: commits wait on it, so a starved pool (many callers
    // blocking or spinning) must never be able to delay the fsync they are all waiting for.
    private readonly SemaphoreSlim wake = new(0);
    private readonly Thread flushThread;

    public FileDocumentStore(string directory)
        : this(directory, FileDocumentStoreOptions.Default)
    {
    }

    public FileDocumentStore(string directory, FileDocumentStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.directory = System.IO.Path.GetFullPath(directory);
        var newDirectory = !Directory.Exists(this.directory);
        Directory.CreateDirectory(this.directory);
        if (newDirectory && System.IO.Path.GetDirectoryName(this.directory) is { } parent) DirectorySync.Flush(parent);
        Path = System.IO.Path.Combine(this.directory, LogFileName);

        // A snapshot that was never renamed over the log is an unfinished compaction: the log is still complete.
        File.Delete(System.IO.Path.Combine(this.directory, SnapshotFileName));

        var created = !File.Exists(Path);
        log = OpenLog(Path, FileMode.OpenOrCreate);
        try
        {
            if (created) DirectorySync.Flush(this.directory);
            Replay();
            lock (writeLock)
            {
                if (CompactionDue()) TryCompactLocked();
                if (failure is not null) throw new IOException("The document store could not finish compacting its log.", failure);
            }
        }
        catch
        {
            log.Dispose();
            throw;
        }
        flushThread = new Thread(FlushThread) { IsBackground = true, Name = "FileDocumentStore flush" };
        flushThread.Start();
    }

    /// <summary>The log file's path.</summary>
    public string Path { get; }

    /// <summary>Current size of the log file in bytes.</summary>
    public long LogLength
    {
        get { lock (writeLock) return appendOffset; }
    }

    /// <summary>Test hook: called at each step of a compaction ("snapshot_written", "renamed") to inject a fault.</summary>
    internal Action<string>? CompactionStep { get; set; }

    /// <summary>Test hook: called on the flush thread just before a group fsync; throwing stands for a failed fsync.</summary>
    internal Action? BeforeGroupFsync { get; set; }

    public ITenantDocuments For(TenantId tenant)
    {
        if (tenant.Value is null) throw new ArgumentException("A tenant is required.", nameof(tenant));
        return views.GetOrAdd(tenant.Value, static (key, store) => new TenantDocuments(store, new TenantId(key), store.PartitionFor(key)), this);
    }

    /// <summary>Rewrites the log as a snapshot of the live records now, whatever its size.</summary>
    public void Compact()
    {
        lock (writeLock)
        {
            ThrowIfUnusable();
            CompactLocked();
        }
    }

    /// <summary>Compaction for the lifecycle: after a tenant deletion its records are gone from the log on disk too.</summary>
    public Task CompactAsync(CancellationToken cancellationToken = default)
    {
        Compact();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (writeLock)
        {
            if (disposed) return;
            disposed = true;
            WakeFlusher();
        }
        // Commits already appended still get their fsync (the flusher drains before it stops); new ones are refused.
        flushThread.Join();
        lock (writeLock)
        {
            log.Dispose();
        }
        wake.Dispose();
    }

    private static SafeFileHandle OpenLog(string path, FileMode mode) =>
        // FileShare.None takes an exclusive flock on Unix, so a second process cannot open the same store.
        // Windows needs Delete sharing to rename the snapshot over the open log.
        File.OpenHandle(path, mode, FileAccess.ReadWrite, OperatingSystem.IsWindows() ? FileShare.Read | FileShare.Delete : FileShare.None);

    private static TaskCompletionSource NewFlush() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Partition PartitionFor(string tenant) => partitions.GetOrAdd(tenant, static (key, gate) => new Partition(key, gate), writeLock);

    private void Replay()
    {
        var length = RandomAccess.GetLength(log);
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(log, buffer.AsSpan(read), read);
            if (n == 0) break;
            read += n;
        }

        var offset = 0;
        while (LogRecord.TryDecode(buffer.AsSpan(offset, read - offset), out var record, out var consumed))
        {
            if (record!.IsMeta)
            {
                foreach (var entry in record.Entries) NoteEtag(entry.ETag);
            }
            else
            {
                var partition = PartitionFor(record.Tenant);
                foreach (var entry in record.Entries)
                {
                    NoteEtag(entry.ETag);
                    liveBytes += partition.Apply(entry);
                }
            }
            offset += consumed;
        }

        if (offset < length)
        {
            // A batch whose write was cut short by a crash was never acknowledged: drop it.
            RandomAccess.SetLength(log, offset);
            RandomAccess.FlushToDisk(log);
        }
        appendOffset = offset;
        compactionFloor = appendOffset;
    }

    private void NoteEtag(string? etag)
    {
        if (long.TryParse(etag, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n) && n > etagCounter)
        {
            etagCounter = n;
        }
    }

    private Task<IReadOnlyList<string?>> CommitAsync(TenantId tenant, Partition partition, IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0) return Task.FromResult<IReadOnlyList<string?>>([]);
        cancellationToken.ThrowIfCancellationRequested();
        DocumentRules.Validate(writes);

        var etags = new string?[writes.Count];
        // Private copies of the bodies, taken before the write lock (every commit of every tenant goes through it): the
        // caller may reuse its buffers once the commit returns, unless the write says its buffer is its own.
        var bodies = new ReadOnlyMemory<byte>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            bodies[i] = write.Mode == DocumentWriteMode.Delete ? ReadOnlyMemory<byte>.Empty : write.JsonIsOwned ? write.Json : write.Json.ToArray();
        }
        Task durable;
        lock (writeLock)
        {
            ThrowIfUnusable();
            var refusal = Check(tenant.Value, partition, writes);
            if (refusal is not null) return Task.FromException<IReadOnlyList<string?>>(refusal);
            var entries = Plan(writes, bodies, etags);
            var bytes = new LogRecord(tenant.Value, entries).Encode();
            try
            {
                RandomAccess.Write(log, bytes, appendOffset);
            }
            catch (Exception ex)
            {
                // Part of the record may be on disk; appending after it would bury a torn record mid-log.
                Poison(ex);
                throw new IOException("The document store could not write its log and now refuses writes.", ex);
            }
            appendOffset += bytes.Length;
            var sequence = ++appendedSequence;
            foreach (var entry in entries)
            {
                var key = new DocumentKey(tenant.Value, entry.Kind, entry.Id);
                pendingState[key] = entry.Deleted ? null : new StoredDocument(entry.Kind, entry.Id, entry.Json, entry.ETag!);
                pendingSequence[key] = sequence;
            }
            unpublished.Enqueue(new PendingBatch(sequence, partition, entries));
            durable = nextFlush.Task;
            WakeFlusher();
        }
        // Once appended the batch will be made durable whatever the caller's token says, so the wait ignores it.
        return WaitDurableAsync(durable, etags);
    }

    private static async Task<IReadOnlyList<string?>> WaitDurableAsync(Task durable, string?[] etags)
    {
        await durable.ConfigureAwait(false);
        return etags;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (failure is not null) throw new IOException("The document store failed to write durably earlier and refuses writes until reopened.", failure);
    }

    /// <summary>
    /// Checks every write against the newest state (durable or still waiting for its fsync). Returns the refusal rather
    /// than throwing it, so the exception is thrown after the write lock is released.
    /// </summary>
    private Exception? Check(string tenant, Partition partition, IReadOnlyList<DocumentWrite> writes)
    {
        foreach (var write in writes)
        {
            var key = new DocumentKey(tenant, write.Kind, write.Id);
            var current = pendingState.TryGetValue(key, out var pending) ? pending : partition.Get(write.Kind, write.Id);
            if (DocumentRules.Refusal(write, current?.ETag, current is not null) is { } refusal) return refusal;
        }
        return null;
    }

    /// <summary>Assigns ETags and builds the log entries of a batch that passed <see cref="Check"/>.</summary>
    private List<LogEntry> Plan(IReadOnlyList<DocumentWrite> writes, ReadOnlyMemory<byte>[] bodies, string?[] etags)
    {
        var entries = new List<LogEntry>(writes.Count);
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            if (write.Mode == DocumentWriteMode.Delete)
            {
                entries.Add(new LogEntry(true, write.Kind, write.Id, null, ReadOnlyMemory<byte>.Empty));
                continue;
            }
            var etag = (++etagCounter).ToString("x", CultureInfo.InvariantCulture);
            etags[i] = etag;
            entries.Add(new LogEntry(false, write.Kind, write.Id, etag, bodies[i]));
        }
        return entries;
    }

    /// <summary>Called under the write lock.</summary>
    private void WakeFlusher()
    {
        if (flusherAwake) return;
        flusherAwake = true;
        wake.Release();
    }

    private void FlushThread()
    {
        while (true)
        {
            wake.Wait();
            FlushUntilIdle();
            lock (writeLock)
            {
                // Idle or poisoned, and no commit can arrive any more.
                if (disposed) return;
            }
        }
    }

    /// <summary>
    /// The group commit: one fsync covers every batch appended before it started. Runs while there is work and
    /// goes back to sleep when the log is durable up to its end; the next commit wakes it.
    /// </summary>
    private void FlushUntilIdle()
    {
        while (true)
        {
            TaskCompletionSource generation;
            long target;
            SafeFileHandle handle;
            lock (writeLock)
            {
                if (appendedSequence == durableSequence || failure is not null)
                {
                    flusherAwake = false;
                    return;
                }
                target = appendedSequence;
                generation = nextFlush;
                nextFlush = NewFlush();
                handle = log;
            }

            try
            {
                BeforeGroupFsync?.Invoke();
                RandomAccess.FlushToDisk(handle);
            }
            catch (Exception ex)
            {
                lock (writeLock)
                {
                    // A compaction (Compact() on another thread) may have swapped the log meanwhile; it made everything
                    // appended durable before closing this handle, so only a failure on the current log counts.
                    if (ReferenceEquals(handle, log) || durableSequence < target)
                    {
                        Poison(ex);
                        flusherAwake = false;
                        generation.TrySetException(new IOException("The document store could not make its log durable and now refuses writes.", ex));
                        return;
                    }
                }
            }

            lock (writeLock)
            {
                PublishThrough(target);
                // Writers of this generation are durable whatever the compaction does.
                if (failure is null && CompactionDue()) TryCompactLocked();
            }
            generation.TrySetResult();
        }
    }

    /// <summary>Makes batches up to <paramref name="target"/> visible to readers, in log order.</summary>
    private void PublishThrough(long target)
    {
        while (unpublished.TryPeek(out var batch) && batch.Sequence <= target)
        {
            unpublished.Dequeue();
            liveBytes += batch.Partition.Publish(batch.Entries);
            ForgetPending(batch);
        }
        durableSequence = Math.Max(durableSequence, target);
    }

    private void ForgetPending(PendingBatch batch)
    {
        foreach (var entry in batch.Entries)
        {
            var key = new DocumentKey(batch.Tenant, entry.Kind, entry.Id);
            // A later batch may have touched the same record; its pending state must stay.
            if (pendingSequence.TryGetValue(key, out var sequence) && sequence == batch.Sequence)
            {
                pendingSequence.Remove(key);
                pendingState.Remove(key);
            }
        }
    }

    private void Poison(Exception ex)
    {
        failure ??= ex;
        nextFlush.TrySetException(new IOException("The document store could not make its log durable and now refuses writes.", ex));
    }

    /// <summary>An automatic compaction: a failure is recorded (poison, or back-off) rather than thrown.</summary>
    private void TryCompactLocked()
    {
        try
        {
            CompactLocked();
        }
        catch (Exception) when (failure is null)
        {
            // Failed before the rename: the old log is still whole and in use. Retry only once the log has doubled,
            // rather than rewriting on every flush.
            compactionFloor = appendOffset * 2;
        }
        catch (Exception)
        {
            // Failed after the rename: the store is poisoned (see CompactLocked) and refuses writes from now on.
        }
    }

    private bool CompactionDue() =>
        appendOffset >= options.CompactionMinimumBytes
        && appendOffset >= compactionFloor
        && appendOffset > options.CompactionRatio * Math.Max(liveBytes, 1);

    /// <summary>
    /// Replaces the log with a snapshot of the live records. Runs under the write lock, so no batch is appended meanwhile;
    /// first everything already appended is made durable and visible, so the snapshot holds exactly the log's state.
    /// </summary>
    private void CompactLocked()
    {
        if (appendedSequence != durableSequence)
        {
            try
            {
                RandomAccess.FlushToDisk(log);
            }
            catch (Exception ex)
            {
                Poison(ex);
                throw;
            }
            PublishThrough(appendedSequence);
            var generation = nextFlush;
            nextFlush = NewFlush();
            generation.TrySetResult();
        }

        var snapshotPath = System.IO.Path.Combine(directory, SnapshotFileName);
        var snapshot = File.OpenHandle(snapshotPath, FileMode.Create, FileAccess.ReadWrite, OperatingSystem.IsWindows() ? FileShare.Read | FileShare.Delete : FileShare.None);
        long length;
        try
        {
            length = WriteSnapshot(snapshot);
            RandomAccess.FlushToDisk(snapshot);
            CompactionStep?.Invoke("snapshot_written");
        }
        catch
        {
            snapshot.Dispose();
            File.Delete(snapshotPath);
            throw;
        }

        try
        {
            File.Move(snapshotPath, Path, overwrite: true);
        }
        catch
        {
            snapshot.Dispose();
            File.Delete(snapshotPath);
            throw;
        }

        // The snapshot is the log now: append to it from here on.
        var old = log;
        log = snapshot;
        appendOffset = length;
        compactionFloor = 0;
        old.Dispose();
        try
        {
            CompactionStep?.Invoke("renamed");
            // Until the directory is flushed a power cut could bring the old name back; no batch may be acknowledged
            // into the new file before that, so this happens under the write lock.
            DirectorySync.Flush(directory);
        }
        catch (Exception ex)
        {
            Poison(ex);
            throw;
        }
    }

    private long WriteSnapshot(SafeFileHandle snapshot)
    {
        long offset = 0;
        Append(LogRecord.EtagCounter(etagCounter.ToString("x", CultureInfo.InvariantCulture)));
        foreach (var (tenant, partition) in partitions)
        {
            var chunk = new List<LogEntry>();
            var chunkBytes = 0;
            foreach (var document in partition.All())
            {
                chunk.Add(new LogEntry(false, document.Kind, document.Id, document.ETag, document.Json));
                chunkBytes += document.Json.Length + document.Kind.Length + document.Id.Length + 32;
                if (chunkBytes >= SnapshotRecordBytes)
                {
                    Append(new LogRecord(tenant, chunk));
                    chunk = [];
                    chunkBytes = 0;
                }
            }
            if (chunk.Count > 0) Append(new LogRecord(tenant, chunk));
        }
        return offset;

        void Append(LogRecord record)
        {
            var bytes = record.Encode();
            RandomAccess.Write(snapshot, bytes, offset);
            offset += bytes.Length;
        }
    }

    private static bool Matches(StoredDocument document, IReadOnlyList<FieldEquals> filter) => DocumentRules.Matches(document.Json, filter);

    private readonly record struct DocumentKey(string Tenant, string Kind, string Id);

    /// <summary>The order of a partition scan: kind, then id (a kind is snake_case, so ':' cannot occur in it).</summary>
    private sealed record PendingBatch(long Sequence, Partition Partition, IReadOnlyList<LogEntry> Entries)
    {
        public string Tenant => Partition.Tenant;
    }

    /// <summary>
    /// One tenant's durable records. Only the flusher mutates it (under the store's write lock); readers are lock-free
    /// and use <see cref="version"/> as a sequence lock: odd while a multi-record batch is half applied, so a reader
    /// that overlapped one retries and never observes part of a batch.
    /// </summary>
    private sealed class Partition(string tenant, Lock writeLock)
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, StoredDocument>> kinds = new(StringComparer.Ordinal);
        private int version;

        public string Tenant { get; } = tenant;

        /// <summary>Unsynchronised read, for the writer side (which holds the write lock).</summary>
        public StoredDocument? Get(string kind, string id) =>
            kinds.TryGetValue(kind, out var byId) && byId.TryGetValue(id, out var doc) ? doc : null;

        public StoredDocument? Read(string kind, string id)
        {
            for (var attempt = 0; attempt < OptimisticReadAttempts; attempt++)
            {
                var before = Volatile.Read(ref version);
                if ((before & 1) == 0)
                {
                    var document = Get(kind, id);
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref version) == before) return document;
                }
                Thread.SpinWait(1 << attempt);
            }
            lock (writeLock) return Get(kind, id);
        }

        public List<StoredDocument> List(string kind)
        {
            for (var attempt = 0; attempt < OptimisticReadAttempts; attempt++)
            {
                var before = Volatile.Read(ref version);
                if ((before & 1) == 0)
                {
                    var documents = Collect(kind);
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref version) == before) return documents;
                }
                Thread.SpinWait(1 << attempt);
            }
            lock (writeLock) return Collect(kind);
        }

        public IEnumerable<StoredDocument> All() => kinds.Values.SelectMany(byId => byId.Values);

        /// <summary>
        /// The first <paramref name="limit"/> records (plus one, to tell whether more follow) whose scan key sorts after
        /// <paramref name="after"/>, in scan-key order: a bounded heap, so a page costs one pass and no full sort.
        /// </summary>
        public List<StoredDocument> ScanAfter(string? after, int limit)
        {
            for (var attempt = 0; attempt < OptimisticReadAttempts; attempt++)
            {
                var before = Volatile.Read(ref version);
                if ((before & 1) == 0)
                {
                    var documents = Scan(after, limit);
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref version) == before) return documents;
                }
                Thread.SpinWait(1 << attempt);
            }
            lock (writeLock) return Scan(after, limit);
        }

        private List<StoredDocument> Scan(string? after, int limit)
        {
            string? afterKind = null, afterId = null;
            if (after is not null)
            {
                var cut = after.IndexOf(':', StringComparison.Ordinal);
                (afterKind, afterId) = cut < 0 ? (after, string.Empty) : (after[..cut], after[(cut + 1)..]);
            }
            var result = new List<StoredDocument>(limit + 1);
            // Kinds in order, each contributing its smallest ids: once the page is full no later kind can come first, so
            // a page costs one pass over the kinds it reaches, not over the whole partition.
            foreach (var kind in kinds.Keys.Order(StringComparer.Ordinal))
            {
                var needed = limit + 1 - result.Count;
                if (needed <= 0) break;
                var comparison = afterKind is null ? 1 : string.CompareOrdinal(kind, afterKind);
                if (comparison < 0) continue;
                var floor = comparison == 0 ? afterId : null;
                // A max-heap of the smallest ids seen: the root is the largest kept, replaced when a smaller id comes.
                var heap = new PriorityQueue<StoredDocument, string>(needed + 1, Comparer<string>.Create(static (a, b) => string.CompareOrdinal(b, a)));
                foreach (var document in kinds[kind].Values)
                {
                    if (floor is not null && string.CompareOrdinal(document.Id, floor) <= 0) continue;
                    if (heap.Count < needed)
                    {
                        heap.Enqueue(document, document.Id);
                    }
                    else if (heap.TryPeek(out _, out var largest) && string.CompareOrdinal(document.Id, largest) < 0)
                    {
                        heap.EnqueueDequeue(document, document.Id);
                    }
                }
                var start = result.Count;
                while (heap.TryDequeue(out var document, out _)) result.Add(document);
                result.Reverse(start, result.Count - start);
            }
            return result;
        }

        /// <summary>Applies a durable batch; returns the change in live bytes.</summary>
        public long Publish(IReadOnlyList<LogEntry> entries)
        {
            if (entries.Count == 1) return Apply(entries[0]);
            Interlocked.Increment(ref version);
            long delta = 0;
            foreach (var entry in entries) delta += Apply(entry);
            Volatile.Write(ref version, version + 1);
            return delta;
        }

        public long Apply(LogEntry entry)
        {
            long delta = 0;
            var byId = kinds.GetOrAdd(entry.Kind, static _ => new(StringComparer.Ordinal));
            if (entry.Deleted)
            {
                if (byId.TryRemove(entry.Id, out var removed)) delta -= Size(removed);
                return delta;
            }
            var document = new StoredDocument(entry.Kind, entry.Id, entry.Json, entry.ETag!);
            if (byId.TryGetValue(entry.Id, out var previous)) delta -= Size(previous);
            byId[entry.Id] = document;
            return delta + Size(document);
        }

        private List<StoredDocument> Collect(string kind)
        {
            var documents = new List<StoredDocument>();
            if (kinds.TryGetValue(kind, out var byId))
            {
                foreach (var pair in byId) documents.Add(pair.Value);
            }
            return documents;
        }

        private static long Size(StoredDocument document) => document.Json.Length + document.Kind.Length + document.Id.Length + document.ETag.Length + 16;
    }

    private sealed class TenantDocuments(FileDocumentStore store, TenantId tenant, Partition partition) : ITenantDocuments
    {
        public TenantId Tenant { get; } = tenant;

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(partition.Read(kind, id));

        public Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(filter);
            var matches = partition.List(kind).Where(d => Matches(d, filter)).ToList();
            matches.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            return Task.FromResult<IReadOnlyList<StoredDocument>>(matches);
        }

        public Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(filter);
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            var after = page.Continuation is null ? null : LocalContinuation.Decode(page.Continuation, page.Descending);
            // Ids first (no JSON touched), ordered; then bodies are matched only until the page is full, plus one to
            // know whether another page follows.
            var candidates = partition.List(kind);
            if (after is not null)
            {
                candidates.RemoveAll(d => page.Descending ? string.CompareOrdinal(d.Id, after) >= 0 : string.CompareOrdinal(d.Id, after) <= 0);
            }
            candidates.Sort(page.Descending ? static (a, b) => string.CompareOrdinal(b.Id, a.Id) : static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            var items = new List<StoredDocument>(Math.Min(page.Limit, candidates.Count));
            var more = false;
            foreach (var document in candidates)
            {
                if (!Matches(document, filter)) continue;
                if (items.Count == page.Limit)
                {
                    more = true;
                    break;
                }
                items.Add(document);
            }
            var continuation = more ? LocalContinuation.Encode(items[^1].Id, page.Descending) : null;
            return Task.FromResult(new DocumentPage(items, continuation));
        }

        public Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            if (page.Descending) throw new ArgumentException("A partition scan reads in ascending order only.", nameof(page));
            var after = page.Continuation is null ? null : LocalContinuation.Decode(page.Continuation, descending: false);
            var items = partition.ScanAfter(after, page.Limit);
            var more = items.Count > page.Limit;
            if (more) items.RemoveAt(items.Count - 1);
            var continuation = more ? LocalContinuation.EncodeScan(items[^1]) : null;
            return Task.FromResult(new DocumentPage(items, continuation));
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            try
            {
                return store.CommitAsync(Tenant, partition, writes, cancellationToken);
            }
            catch (Exception ex)
            {
                // Conflicts and refusals arrive through the task, as they do from the Cosmos adapter.
                return Task.FromException<IReadOnlyList<string?>>(ex);
            }
        }
    }
}
