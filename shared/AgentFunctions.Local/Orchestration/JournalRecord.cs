using System.Buffers.Binary;
using System.Text;
using AgentFunctions.Local.Documents;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// One history event of the local runner's journal: <c>[length:int32][crc32:uint32][payload]</c>, like the document log.
/// <see cref="Position"/> is the operation's place in the orchestration's call sequence; <see cref="Name"/> and
/// <see cref="InputHash"/> are what replay compares to detect a non-deterministic orchestration.
/// </summary>
internal sealed record JournalRecord(
    JournalRecordType Type,
    string InstanceId,
    int Position,
    string Name,
    uint InputHash,
    long Ticks,
    string? Payload,
    string? Extra = null)
{
    private const int HeaderSize = 8;

    public DateTimeOffset Timestamp => new(Ticks, TimeSpan.Zero);

    /// <summary>
    /// Transcript entries (each one JSON value, UTF-8) this record carries, written as <see cref="Extra"/> = <c>[e1,e2,...]</c>:
    /// the same bytes on disk as that string, without building it. Read back, they are in <see cref="Extra"/>.
    /// </summary>
    public IReadOnlyList<byte[]>? ExtraEntries { get; init; }

    /// <summary>
    /// The record as <see cref="BinaryWriter"/> would write it (strings as UTF-8 with a 7-bit length prefix), behind its
    /// header, in one exactly sized array: this runs for every record the runner journals.
    /// </summary>
    public byte[] Encode()
    {
        var extraLength = ExtraEntries is { } entries ? EntriesLength(entries) : Extra is null ? -1 : Utf8.GetByteCount(Extra);
        var length = 1 + Sized(Utf8.GetByteCount(InstanceId)) + 4 + Sized(Utf8.GetByteCount(Name)) + 4 + 8
            + 1 + (Payload is null ? 0 : Sized(Utf8.GetByteCount(Payload)))
            + 1 + (extraLength < 0 ? 0 : Sized(extraLength));
        var record = new byte[HeaderSize + length];
        var body = record.AsSpan(HeaderSize);
        var at = 0;
        body[at++] = (byte)Type;
        at += WriteString(body[at..], InstanceId);
        BinaryPrimitives.WriteInt32LittleEndian(body[at..], Position);
        at += 4;
        at += WriteString(body[at..], Name);
        BinaryPrimitives.WriteUInt32LittleEndian(body[at..], InputHash);
        at += 4;
        BinaryPrimitives.WriteInt64LittleEndian(body[at..], Ticks);
        at += 8;
        body[at++] = Payload is null ? (byte)0 : (byte)1;
        if (Payload is not null) at += WriteString(body[at..], Payload);
        body[at++] = extraLength < 0 ? (byte)0 : (byte)1;
        if (ExtraEntries is { } list)
        {
            at += Write7BitEncoded(body[at..], extraLength);
            body[at++] = (byte)'[';
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0) body[at++] = (byte)',';
                list[i].CopyTo(body[at..]);
                at += list[i].Length;
            }
            body[at++] = (byte)']';
        }
        else if (Extra is not null)
        {
            at += WriteString(body[at..], Extra);
        }
        BinaryPrimitives.WriteInt32LittleEndian(record, length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(body));
        return record;
    }

    // BinaryWriter's encoding: UTF-8, invalid UTF-16 replaced, no preamble.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static int EntriesLength(IReadOnlyList<byte[]> entries)
    {
        var length = 2 + Math.Max(0, entries.Count - 1);
        foreach (var entry in entries) length += entry.Length;
        return length;
    }

    private static int Sized(int length) => length + SizeOf7BitEncoded(length);

    private static int SizeOf7BitEncoded(int value)
    {
        var size = 1;
        for (var v = (uint)value; v >= 0x80; v >>= 7) size++;
        return size;
    }

    private static int Write7BitEncoded(Span<byte> target, int value)
    {
        var at = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            target[at++] = (byte)(v | 0x80);
            v >>= 7;
        }
        target[at++] = (byte)v;
        return at;
    }

    private static int WriteString(Span<byte> target, string value)
    {
        var length = Utf8.GetByteCount(value);
        var at = Write7BitEncoded(target, length);
        return at + Utf8.GetBytes(value, target[at..]);
    }

    /// <summary>Decodes the record at the start of <paramref name="buffer"/>; false when it is incomplete or corrupt.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, out JournalRecord? record, out int consumed)
    {
        record = null;
        consumed = 0;
        if (buffer.Length < HeaderSize) return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (length <= 0 || buffer.Length - HeaderSize < length) return false;
        var body = buffer.Slice(HeaderSize, length);
        if (Crc32.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..])) return false;

        using var reader = new BinaryReader(new MemoryStream(body.ToArray()), Encoding.UTF8);
        var type = (JournalRecordType)reader.ReadByte();
        var instanceId = reader.ReadString();
        var position = reader.ReadInt32();
        var name = reader.ReadString();
        var hash = reader.ReadUInt32();
        var ticks = reader.ReadInt64();
        var payload = reader.ReadBoolean() ? reader.ReadString() : null;
        var extra = reader.ReadBoolean() ? reader.ReadString() : null;
        record = new JournalRecord(type, instanceId, position, name, hash, ticks, payload, extra);
        consumed = HeaderSize + length;
        return true;
    }
}

internal enum JournalRecordType : byte
{
    /// <summary>Name = orchestration, Payload = input JSON, Extra = parent instance id.</summary>
    Started = 1,

    /// <summary>Payload = result JSON; Extra = the transcript entries the operation wrote (JSON array), if any.</summary>
    OperationCompleted = 2,

    /// <summary>Payload = failure message; Extra as for <see cref="OperationCompleted"/>.</summary>
    OperationFailed = 3,

    /// <summary>A durable timer of a waiting operation; Ticks = when it fires.</summary>
    TimerScheduled = 4,

    /// <summary>Name = event name, Payload = JSON.</summary>
    EventRaised = 5,

    /// <summary>Payload = output JSON.</summary>
    Completed = 6,

    /// <summary>Payload = failure message.</summary>
    Failed = 7,

    /// <summary>Payload = reason.</summary>
    Terminated = 8,

    /// <summary>A client asked to terminate; the instance stops at its next operation. Payload = reason.</summary>
    TerminateRequested = 9,

    /// <summary>Transcript entries kept by compaction. Payload = JSON array of entries.</summary>
    TranscriptWritten = 10,
}
