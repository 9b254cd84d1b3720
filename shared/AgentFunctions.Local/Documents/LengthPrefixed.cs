using System.Buffers.Binary;
using System.Text;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The append log's field encoding, shared by its records and its deferred writes: <c>[length:int32][bytes]</c>, strings
/// as UTF-8.
/// </summary>
internal static class LengthPrefixed
{
    public static int Size(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    public static int Write(Span<byte> span, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        return 4 + length;
    }

    public static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> buffer, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(buffer[at..]);
        var value = buffer.Slice(at + 4, length);
        at += 4 + length;
        return value;
    }

    public static string ReadString(ReadOnlySpan<byte> buffer, ref int at) => Encoding.UTF8.GetString(ReadBytes(buffer, ref at));
}
