using System.Text;
using AgentFunctions.Local.Documents;

namespace AgentFunctions.Tests.Storage;

public sealed class LogRecordTests
{
    [Fact]
    public void Encode_MatchesTheBinaryWriterLayout()
    {
        var record = new LogRecord("tenant_é", [
            new LogEntry(false, "run", "run_1", "1f", Encoding.UTF8.GetBytes("{\"text\":\"Grüße, 東京 😀\"}")),
            new LogEntry(true, "usage", "u_" + new string('x', 300), null, ReadOnlyMemory<byte>.Empty),
            new LogEntry(false, "tool_execution", "t", "20", new byte[200_000]),
        ]);
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(record.Tenant);
            writer.Write(record.Entries.Count);
            foreach (var entry in record.Entries)
            {
                writer.Write(entry.Deleted);
                writer.Write(entry.Kind);
                writer.Write(entry.Id);
                writer.Write(entry.ETag ?? string.Empty);
                writer.Write(entry.Json.Length);
                writer.Write(entry.Json.Span);
            }
        }

        var encoded = record.Encode();

        Assert.Equal(body.ToArray(), encoded[LogRecord.HeaderSize..]);
        Assert.True(LogRecord.TryDecode(encoded, out var decoded, out var consumed));
        Assert.Equal(encoded.Length, consumed);
        Assert.Equal(record.Tenant, decoded!.Tenant);
        Assert.Equal(record.Entries.Select(e => (e.Deleted, e.Kind, e.Id, e.ETag, e.Json.ToArray())),
            decoded.Entries.Select(e => (e.Deleted, e.Kind, e.Id, e.ETag, e.Json.ToArray())));
    }
}
