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

    /// <summary>
    /// The record as <see cref="BinaryWriter"/> would write it (strings as UTF-8 with a 7-bit length prefix), behind its
    /// header, in one exactly sized array: every commit of the file document store encodes one (no growing stream, no copy).
    /// </summary>
    public byte[] Encode()
    {
        var length = Sized(Utf8.GetByteCount(Tenant)) + 4;
        foreach (var entry in Entries)
        {
            length += 1 + Sized(Utf8.GetByteCount(entry.Kind)) + Sized(Utf8.GetByteCount(entry.Id))
                + Sized(Utf8.GetByteCount(entry.ETag ?? string.Empty)) + 4 + entry.Json.Length;
        }
        var record = new byte[HeaderSize + length];
        var body = record.AsSpan(HeaderSize);
        var at = WriteString(body, Tenant);
        BinaryPrimitives.WriteInt32LittleEndian(body[at..], Entries.Count);
        at += 4;
        foreach (var entry in Entries)
        {
            body[at++] = entry.Deleted ? (byte)1 : (byte)0;
            at += WriteString(body[at..], entry.Kind);
            at += WriteString(body[at..], entry.Id);
            at += WriteString(body[at..], entry.ETag ?? string.Empty);
            BinaryPrimitives.WriteInt32LittleEndian(body[at..], entry.Json.Length);
            at += 4;
            entry.Json.Span.CopyTo(body[at..]);
            at += entry.Json.Length;
        }
        BinaryPrimitives.WriteInt32LittleEndian(record, length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(body));
        return record;
    }

    // BinaryWriter's encoding: UTF-8, invalid UTF-16 replaced, no preamble.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static int Sized(int length)
    {
        var size = 1;
        for (var v = (uint)length; v >= 0x80; v >>= 7) size++;
        return length + size;
    }

    private static int WriteString(Span<byte> target, string value)
    {
        var length = Utf8.GetByteCount(value);
        var at = 0;
        var v = (uint)length;
        while (v >= 0x80)
        {
            target[at++] = (byte)(v | 0x80);
            v >>= 7;
        }
        target[at++] = (byte)v;
        return at + Utf8.GetBytes(value, target[at..]);
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
