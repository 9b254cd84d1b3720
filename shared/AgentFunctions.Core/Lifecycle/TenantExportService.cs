using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using AgentFunctions.Common;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// Writes a tenant's archive: gzip'd JSON lines, streamed as it is read. The first line describes the export, then one
/// line per record (<c>{"store","kind","id","record"}</c>, the record as stored minus secrets), and a last line with the
/// count per store, whose presence tells a reader the archive is complete. Each store is read page by page, and each
/// line is written out before the next record is read, so memory stays flat whatever the tenant's size.
/// </summary>
public sealed class TenantExportService(IEnumerable<ITenantDataStore> stores, TimeProvider time, ILogger<TenantExportService> logger)
{
    public const string Format = "agentfunctions.tenant-export.v1";

    public const string ContentType = "application/gzip";

    private readonly IReadOnlyList<ITenantDataStore> ordered = stores.OrderBy(s => s.Stage).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();

    public static string FileName(TenantId tenant, DateTimeOffset at) => $"tenant-{tenant.Value}-{at:yyyyMMdd'T'HHmmss'Z'}.jsonl.gz";

    /// <summary>Writes the archive of <paramref name="tenant"/> to <paramref name="output"/>; returns the count per store.</summary>
    public async Task<IReadOnlyDictionary<string, long>> WriteAsync(TenantId tenant, Stream output, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            await WriteLineAsync(gzip, buffer, writer =>
            {
                writer.WriteString("type", "export");
                writer.WriteString("format", Format);
                writer.WriteString("tenant_id", tenant.Value);
                writer.WriteString("exported_at", time.GetUtcNow());
                writer.WriteStartArray("stores");
                foreach (var store in ordered) writer.WriteStringValue(store.Name);
                writer.WriteEndArray();
            }, cancellationToken).ConfigureAwait(false);

            foreach (var store in ordered)
            {
                long count = 0;
                await foreach (var record in store.ExportAsync(tenant, cancellationToken).ConfigureAwait(false))
                {
                    await WriteLineAsync(gzip, buffer, writer =>
                    {
                        writer.WriteString("type", "record");
                        writer.WriteString("store", store.Name);
                        writer.WriteString("kind", record.Kind);
                        writer.WriteString("id", record.Id);
                        writer.WritePropertyName("record");
                        writer.WriteRawValue(record.Json.Span, skipInputValidation: true);
                    }, cancellationToken).ConfigureAwait(false);
                    count++;
                }
                counts[store.Name] = count;
            }

            await WriteLineAsync(gzip, buffer, writer =>
            {
                writer.WriteString("type", "summary");
                writer.WriteStartObject("counts");
                foreach (var (name, count) in counts) writer.WriteNumber(name, count);
                writer.WriteEndObject();
                writer.WriteNumber("total", counts.Values.Sum());
            }, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Tenant {TenantId} exported: {Total} records", tenant.Value, counts.Values.Sum());
        return counts;
    }

    private static async Task WriteLineAsync(Stream output, ArrayBufferWriter<byte> buffer, Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }
}
