using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The local document store: every tenant's records in memory, every committed batch appended to one log file
/// and fsynced before the commit returns. Concurrent commits share one fsync (group commit). On start the log is
/// replayed and a torn tail (kill -9 mid-write) is cut off, so a batch is either wholly there or wholly absent.
/// </summary>
public sealed class FileDocumentStore : IDocumentStore, IDisposable
{
    private const string LogFileName = "documents.log";

    private readonly ConcurrentDictionary<string, Partition> partitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TenantDocuments> views = new(StringComparer.Ordinal);
    private readonly Lock writeLock = new();
    private readonly SemaphoreSlim flushGate = new(1, 1);
    private readonly SafeFileHandle log;
    private long appendOffset;
    private long appendedSequence;
    private long durableSequence;
    private long etagCounter;
    private Exception? failure;

    public FileDocumentStore(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, LogFileName);
        log = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        Replay();
    }

    public string Path { get; }

    public ITenantDocuments For(TenantId tenant)
    {
        if (tenant.Value is null) throw new ArgumentException("A tenant is required.", nameof(tenant));
        return views.GetOrAdd(tenant.Value, static (key, store) => new TenantDocuments(store, new TenantId(key)), this);
    }

    public void Dispose()
    {
        log.Dispose();
        flushGate.Dispose();
    }

    private Partition PartitionFor(string tenant) => partitions.GetOrAdd(tenant, static _ => new Partition());

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
            Apply(record!);
            offset += consumed;
        }

        if (offset < length)
        {
            // A batch whose write was cut short by a crash never acknowledged: drop it.
            RandomAccess.SetLength(log, offset);
            RandomAccess.FlushToDisk(log);
        }
        appendOffset = offset;
    }

    private void Apply(LogRecord record)
    {
        var partition = PartitionFor(record.Tenant);
        foreach (var entry in record.Entries)
        {
            if (entry.Deleted)
            {
                partition.Remove(entry.Kind, entry.Id);
            }
            else
            {
                partition.Put(new StoredDocument(entry.Kind, entry.Id, entry.Json, entry.ETag!));
                if (long.TryParse(entry.ETag, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n) && n > etagCounter)
                {
                    etagCounter = n;
                }
            }
        }
    }

    private async Task<IReadOnlyList<string?>> CommitAsync(TenantId tenant, IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0) return [];
        cancellationToken.ThrowIfCancellationRequested();

        long sequence;
        var etags = new string?[writes.Count];
        lock (writeLock)
        {
            if (failure is not null) throw new IOException("The document store failed earlier and refuses writes.", failure);
            var partition = PartitionFor(tenant.Value);
            var entries = Plan(partition, writes, etags);
            var bytes = new LogRecord(tenant.Value, entries).Encode();
            try
            {
                RandomAccess.Write(log, bytes, appendOffset);
            }
            catch (Exception ex)
            {
                failure = ex;
                throw;
            }
            appendOffset += bytes.Length;
            sequence = ++appendedSequence;
            Apply(new LogRecord(tenant.Value, entries));
        }

        await WaitDurableAsync(sequence).ConfigureAwait(false);
        return etags;
    }

    /// <summary>Checks every write against the current state and assigns ETags; throws before anything is written.</summary>
    private List<LogEntry> Plan(Partition partition, IReadOnlyList<DocumentWrite> writes, string?[] etags)
    {
        var entries = new List<LogEntry>(writes.Count);
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            if (!seen.Add((write.Kind, write.Id)))
            {
                throw new ArgumentException($"A batch may touch {write.Kind} '{write.Id}' only once.", nameof(writes));
            }
            var current = partition.Get(write.Kind, write.Id);
            switch (write.Mode)
            {
                case DocumentWriteMode.Create when current is not null:
                    throw new DocumentConflictException(write.Kind, write.Id);
                case DocumentWriteMode.Replace or DocumentWriteMode.Delete when current is null:
                    throw new DocumentMissingException(write.Kind, write.Id);
                case DocumentWriteMode.Replace or DocumentWriteMode.Delete when write.IfMatch is not null && write.IfMatch != current!.ETag:
                    throw new DocumentPreconditionFailedException(write.Kind, write.Id);
            }
        }

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
            entries.Add(new LogEntry(false, write.Kind, write.Id, etag, write.Json.ToArray()));
        }
        return entries;
    }

    private async Task WaitDurableAsync(long sequence)
    {
        while (Volatile.Read(ref durableSequence) < sequence)
        {
            await flushGate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref durableSequence) >= sequence) return;
                var target = Volatile.Read(ref appendedSequence);
                try
                {
                    RandomAccess.FlushToDisk(log);
                }
                catch (Exception ex)
                {
                    lock (writeLock) failure = ex;
                    throw;
                }
                Volatile.Write(ref durableSequence, target);
            }
            finally
            {
                flushGate.Release();
            }
        }
    }

    private static bool Matches(StoredDocument document, IReadOnlyList<FieldEquals> filter)
    {
        if (filter.Count == 0) return true;
        using var json = JsonDocument.Parse(document.Json);
        foreach (var condition in filter)
        {
            if (!json.RootElement.TryGetProperty(condition.Field, out var value))
            {
                if (condition.Value is null) continue;
                return false;
            }
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => value.GetRawText(),
            };
            if (!string.Equals(text, condition.Value, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private sealed class Partition
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, StoredDocument>> kinds = new(StringComparer.Ordinal);

        public StoredDocument? Get(string kind, string id) =>
            kinds.TryGetValue(kind, out var byId) && byId.TryGetValue(id, out var doc) ? doc : null;

        public IEnumerable<StoredDocument> All(string kind) =>
            kinds.TryGetValue(kind, out var byId) ? byId.Values : [];

        public void Put(StoredDocument document) =>
            kinds.GetOrAdd(document.Kind, static _ => new(StringComparer.Ordinal))[document.Id] = document;

        public void Remove(string kind, string id)
        {
            if (kinds.TryGetValue(kind, out var byId)) byId.TryRemove(id, out _);
        }
    }

    private sealed class TenantDocuments(FileDocumentStore store, TenantId tenant) : ITenantDocuments
    {
        public TenantId Tenant { get; } = tenant;

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(store.partitions.TryGetValue(Tenant.Value, out var p) ? p.Get(kind, id) : null);

        public Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
        {
            IReadOnlyList<StoredDocument> result = store.partitions.TryGetValue(Tenant.Value, out var p)
                ? p.All(kind).Where(d => Matches(d, filter)).OrderBy(d => d.Id, StringComparer.Ordinal).ToList()
                : [];
            return Task.FromResult(result);
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default) =>
            store.CommitAsync(Tenant, writes, cancellationToken);
    }
}
