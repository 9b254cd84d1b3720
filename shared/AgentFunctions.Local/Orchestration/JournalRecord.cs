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

    public byte[] Encode()
    {
        using var body = new MemoryStream(64 + (Payload?.Length ?? 0));
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)Type);
            writer.Write(InstanceId);
            writer.Write(Position);
            writer.Write(Name);
            writer.Write(InputHash);
            writer.Write(Ticks);
            writer.Write(Payload is not null);
            if (Payload is not null) writer.Write(Payload);
            writer.Write(Extra is not null);
            if (Extra is not null) writer.Write(Extra);
        }
        var span = body.GetBuffer().AsSpan(0, (int)body.Length);
        var record = new byte[HeaderSize + span.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, span.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(span));
        span.CopyTo(record.AsSpan(HeaderSize));
        return record;
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
