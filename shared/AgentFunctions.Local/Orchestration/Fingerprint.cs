using System.Buffers;
using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// CRC-32C of an operation's input as JSON, the value replay compares to catch an orchestration that passes different
/// input at the same position. The same CRC-32C on every machine (<see cref="Crc32C"/>), so a journal reads back
/// the same anywhere. Serialises into a reused per-thread buffer: this runs on every operation.
/// </summary>
internal static class Fingerprint
{
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

    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32C.Compute(data);
}
