using System.Text;
using AgentFunctions.Local.Orchestration;

namespace AgentFunctions.Tests.Engine;

public sealed class JournalRecordTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("\"result\"", null)]
    [InlineData("{\"text\":\"Grüße, 東京 😀\"}", "parent-1")]
    public void Encode_ReadsBackEveryField(string? payload, string? extra)
    {
        var record = new JournalRecord(JournalRecordType.OperationCompleted, "run_é1", 7, "activity:CallModel", 0xDEADBEEF, 638_000_000_000_000_000, payload, extra);

        Assert.True(JournalRecord.TryDecode(record.Encode(), out var decoded, out var consumed));

        Assert.Equal(record, decoded);
        Assert.Equal(record.Encode().Length, consumed);
    }

    [Fact]
    public void Encode_LongStrings_UseMultiByteLengthPrefixes()
    {
        var payload = new string('x', 20_000) + "ü";
        var record = new JournalRecord(JournalRecordType.Completed, "i", 0, "Flow", 0, 1, payload);

        Assert.True(JournalRecord.TryDecode(record.Encode(), out var decoded, out _));

        Assert.Equal(payload, decoded!.Payload);
    }

    [Fact]
    public void Encode_TranscriptEntriesAsBytes_WritesTheSameBytesAsTheJoinedExtra()
    {
        string[] entries = ["{\"index\":2,\"message\":{\"role\":\"assistant\",\"content\":\"Grüße\"}}", "{\"index\":3}", new string('a', 300)];
        var joined = new JournalRecord(JournalRecordType.OperationCompleted, "run_1", 3, "activity:ExecuteTool", 42, 5, "{}", "[" + string.Join(',', entries) + "]");
        var byEntries = joined with { Extra = null, ExtraEntries = entries.Select(Encoding.UTF8.GetBytes).ToArray() };

        Assert.Equal(joined.Encode(), byEntries.Encode());
        Assert.True(JournalRecord.TryDecode(byEntries.Encode(), out var decoded, out _));
        Assert.Equal(joined.Extra, decoded!.Extra);
    }

    [Fact]
    public void Encode_MatchesTheBinaryWriterLayout()
    {
        var record = new JournalRecord(JournalRecordType.EventRaised, "run_1", 2, "approval", 9, 123, "{\"approved\":true}", "x");
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)record.Type);
            writer.Write(record.InstanceId);
            writer.Write(record.Position);
            writer.Write(record.Name);
            writer.Write(record.InputHash);
            writer.Write(record.Ticks);
            writer.Write(true);
            writer.Write(record.Payload!);
            writer.Write(true);
            writer.Write(record.Extra!);
        }

        Assert.Equal(body.ToArray(), record.Encode()[8..]);
    }
}
