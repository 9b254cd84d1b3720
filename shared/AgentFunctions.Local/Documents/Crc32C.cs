using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// CRC-32C (Castagnoli) for the append log's records: the SSE4.2 instruction takes eight bytes a step where the table
/// walk of <see cref="Crc32"/> takes one, and every delivery's body passes through it on the request path.
/// </summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        if (Sse42.X64.IsSupported)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            crc = (uint)wide;
        }
        if (Sse42.IsSupported)
        {
            foreach (var b in data) crc = Sse42.Crc32(crc, b);
            return ~crc;
        }
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
