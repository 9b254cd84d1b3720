using System.Buffers.Binary;
using System.Text;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The durable puts of <see cref="AppendLogDocumentStoreOptions.DeferredKinds"/> that <see cref="AppendLogDocumentStore"/>
/// has not filled into SQLite yet: kept as bytes in one buffer, with a map from each record's 64-bit fingerprint to the
/// offset of its newest put, so tens of thousands of them wait without an object each (objects that lived that long were
/// promoted and cost more in the garbage collector than the sorted fill saved). Records are kept and read by exact key:
/// a fingerprint already taken by another key is refused (<see cref="TryAdd"/> false), and that put is filled the usual way.
/// <para>Added to, flushed and reset by the filler thread only; read by any thread. Every member takes the lock, except
/// the sort in <see cref="SortedSnapshot"/> and <see cref="Materialize"/>, which only the filler calls and which read entries it alone writes.</para>
/// <para>Entry: <c>[fingerprint:uint64][sequence:int64][tenant][kind][id][etag][json]</c>, each string and the json as
/// <c>[length:int32][utf-8]</c>.</para>
/// </summary>
internal sealed class DeferredWrites
{
    private readonly Lock sync = new();
    private readonly Dictionary<ulong, int> newest = [];
    private byte[] buffer = new byte[256 * 1024];
    private int used;
    private volatile int count;

    /// <summary>How many records wait (their newest puts only).</summary>
    public int Count => count;

    /// <summary>The log sequence of the first put added since the buffer was last empty (0 when empty): SQLite's checkpoint stays below it.</summary>
    public long OldestSequence { get; private set; }

    /// <summary>When that first put was added (<see cref="Environment.TickCount64"/>).</summary>
    public long OldestAddedAt { get; private set; }

    /// <summary>Bytes held in the buffer, superseded puts included, until the next reset.</summary>
    public int BufferedBytes
    {
        get
        {
            lock (sync) return used;
        }
    }

    public bool TryAdd(ulong fingerprint, long sequence, string tenant, string kind, string id, string etag, byte[] json)
    {
        lock (sync)
        {
            if (newest.TryGetValue(fingerprint, out var existing) && !KeyEquals(existing, tenant, kind, id)) return false;
            var size = 16 + LengthPrefixed.Size(tenant) + LengthPrefixed.Size(kind) + LengthPrefixed.Size(id) + LengthPrefixed.Size(etag) + 4 + json.Length;
            if (buffer.Length - used < size)
            {
                var grown = new byte[(int)Math.Min(Array.MaxLength, Math.Max(buffer.Length * 2L, (long)used + size))];
                buffer.AsSpan(0, used).CopyTo(grown);
                buffer = grown;
            }
            var span = buffer.AsSpan(used, size);
            BinaryPrimitives.WriteUInt64LittleEndian(span, fingerprint);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], sequence);
            var at = 16;
            at += LengthPrefixed.Write(span[at..], tenant);
            at += LengthPrefixed.Write(span[at..], kind);
            at += LengthPrefixed.Write(span[at..], id);
            at += LengthPrefixed.Write(span[at..], etag);
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], json.Length);
            json.CopyTo(span[(at + 4)..]);
            newest[fingerprint] = used;
            used += size;
            count = newest.Count;
            if (OldestSequence == 0)
            {
                OldestSequence = sequence;
                OldestAddedAt = Environment.TickCount64;
            }
            return true;
        }
    }

    /// <summary>A later write of the record (a delete, or a put filled the usual way) supersedes its waiting put.</summary>
    public void Drop(ulong fingerprint, string tenant, string kind, string id)
    {
        lock (sync)
        {
            if (newest.TryGetValue(fingerprint, out var offset) && KeyEquals(offset, tenant, kind, id))
            {
                newest.Remove(fingerprint);
                count = newest.Count;
            }
        }
    }

    /// <summary>The record's waiting put, if it has one.</summary>
    public bool TryRead(ulong fingerprint, string tenant, string kind, string id, out StoredDocument? document)
    {
        lock (sync)
        {
            document = null;
            if (!newest.TryGetValue(fingerprint, out var offset) || !KeyEquals(offset, tenant, kind, id)) return false;
            var write = Materialize(offset);
            document = new StoredDocument(write.Kind, write.Id, write.Json!, write.ETag!);
            return true;
        }
    }

    /// <summary>
    /// The offsets of every waiting record's newest put, ordered as SQLite's key index orders the records (tenant, kind,
    /// id; bytes of UTF-8), so a fill of them walks the index once.
    /// </summary>
    public int[] SortedSnapshot()
    {
        int[] offsets;
        lock (sync) offsets = [.. newest.Values];
        Array.Sort(offsets, Compare);
        return offsets;
    }

    /// <summary>After SQLite committed them: the records whose newest put is still the one filled wait no more.</summary>
    public void Filled(ReadOnlySpan<int> offsets)
    {
        lock (sync)
        {
            foreach (var offset in offsets)
            {
                var fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(offset));
                if (newest.TryGetValue(fingerprint, out var current) && current == offset) newest.Remove(fingerprint);
            }
            count = newest.Count;
        }
    }

    /// <summary>Once nothing waits: the buffer starts over (its array is kept), and so does <see cref="OldestSequence"/>.</summary>
    public void ResetIfEmpty()
    {
        lock (sync)
        {
            if (newest.Count > 0) return;
            used = 0;
            OldestSequence = 0;
            OldestAddedAt = 0;
            // A buffer grown far beyond a flush's worth by a long stall is let go.
            if (buffer.Length > 64 * 1024 * 1024) buffer = new byte[256 * 1024];
        }
    }

    private int Compare(int left, int right)
    {
        int a = left + 16, b = right + 16;
        for (var field = 0; field < 3; field++)
        {
            var order = LengthPrefixed.ReadBytes(buffer, ref a).SequenceCompareTo(LengthPrefixed.ReadBytes(buffer, ref b));
            if (order != 0) return order;
        }
        return 0;
    }

    private bool KeyEquals(int offset, string tenant, string kind, string id)
    {
        var at = offset + 16;
        return Matches(ref at, tenant) && Matches(ref at, kind) && Matches(ref at, id);
    }

    /// <summary>Compared as UTF-8 bytes, as the log and SQLite see the key (a lone surrogate becomes U+FFFD in both).</summary>
    private bool Matches(ref int at, string value)
    {
        var stored = LengthPrefixed.ReadBytes(buffer, ref at);
        var size = Encoding.UTF8.GetByteCount(value);
        if (size != stored.Length) return false;
        Span<byte> bytes = size <= 512 ? stackalloc byte[size] : new byte[size];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes.SequenceEqual(stored);
    }

    /// <summary>The put at <paramref name="offset"/> as a write to fill (filler only, or under the lock).</summary>
    public FilledWrite Materialize(int offset)
    {
        var at = offset + 16;
        var tenant = LengthPrefixed.ReadString(buffer, ref at);
        var kind = LengthPrefixed.ReadString(buffer, ref at);
        var id = LengthPrefixed.ReadString(buffer, ref at);
        var etag = LengthPrefixed.ReadString(buffer, ref at);
        var json = LengthPrefixed.ReadBytes(buffer, ref at).ToArray();
        return new FilledWrite(tenant, kind, id, etag, json);
    }
}
