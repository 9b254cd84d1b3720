using System.Buffers;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// CRC-32C of an operation's input as JSON, the value replay compares to catch an orchestration that passes different
/// input at the same position. Hardware CRC where the CPU has it, the same polynomial in software elsewhere, so a
/// journal reads back the same on any machine. Serialises into a reused per-thread buffer: this runs on every operation.
/// </summary>
internal static class Fingerprint
{
    private const uint Castagnoli = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? writer;

    public static uint Of(object? input)
    {
        if (input is null) return 0u;
        var output = buffer ??= new ArrayBufferWriter<byte>(4096);
        output.ResetWrittenCount();
        var json = writer ??= new Utf8JsonWriter(output);
        json.Reset(output);
        JsonSerializer.Serialize(json, input, input.GetType(), PlatformJson.Stored);
        json.Flush();
        return Compute(output.WrittenSpan);
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        if (Sse42.X64.IsSupported)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BitConverter.ToUInt64(data));
                data = data[8..];
            }
            crc = (uint)wide;
        }
        else if (Crc32.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                crc = Crc32.Arm64.ComputeCrc32C(crc, BitConverter.ToUInt64(data));
                data = data[8..];
            }
        }
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? Castagnoli ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
