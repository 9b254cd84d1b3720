using System.Buffers.Binary;
using System.Text;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// One committed batch in the log: <c>[length:int32][crc32:uint32][payload]</c>. The payload holds the tenant
/// and each write's final state (put with body and ETag, or delete). A torn or corrupt tail fails the CRC and is cut off.
/// </summary>
internal sealed record LogRecord(string Tenant, IReadOnlyList<LogEntry> Entries)
{
    public const int HeaderSize = 8;

    /// <summary>
    /// Tenant of store-level records. A real tenant id is never empty, so this cannot collide with a partition.
    /// </summary>
    public const string MetaTenant = "";

    private const string EtagCounterKind = "etag_counter";

    public bool IsMeta => Tenant.Length == 0;

    /// <summary>
    /// Remembers the highest ETag ever issued. A snapshot drops deleted records, and with them the ETags they had;
    /// without this a record re-created after a restart could get an old ETag back and satisfy a stale If-Match.
    /// </summary>
    public static LogRecord EtagCounter(string highestEtag) =>
        new(MetaTenant, [new LogEntry(false, EtagCounterKind, string.Empty, highestEtag, ReadOnlyMemory<byte>.Empty)]);

    public byte[] Encode()
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Tenant);
            writer.Write(Entries.Count);
            foreach (var entry in Entries)
            {
                writer.Write(entry.Deleted);
                writer.Write(entry.Kind);
                writer.Write(entry.Id);
                writer.Write(entry.ETag ?? string.Empty);
                writer.Write(entry.Json.Length);
                writer.Write(entry.Json.Span);
            }
        }
        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var record = new byte[HeaderSize + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(body));
        body.CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    /// <summary>Decodes the record at the start of <paramref name="buffer"/>; false when it is incomplete or corrupt.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, out LogRecord? record, out int consumed)
    {
        record = null;
        consumed = 0;
        if (buffer.Length < HeaderSize) return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (length < 0 || buffer.Length - HeaderSize < length) return false;
        var body = buffer.Slice(HeaderSize, length);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..])) return false;

        using var reader = new BinaryReader(new MemoryStream(body.ToArray()), Encoding.UTF8);
        var tenant = reader.ReadString();
        var count = reader.ReadInt32();
        var entries = new List<LogEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var deleted = reader.ReadBoolean();
            var kind = reader.ReadString();
            var id = reader.ReadString();
            var etag = reader.ReadString();
            var json = reader.ReadBytes(reader.ReadInt32());
            entries.Add(new LogEntry(deleted, kind, id, deleted ? null : etag, json));
        }
        record = new LogRecord(tenant, entries);
        consumed = HeaderSize + length;
        return true;
    }
}

internal sealed record LogEntry(bool Deleted, string Kind, string Id, string? ETag, ReadOnlyMemory<byte> Json);
