using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Azure.Documents;

/// <summary>
/// The item shape in the container: <c>{ "id", "tenantId", "type", "docId", "body" }</c>. <c>tenantId</c> is the
/// partition key; <c>id</c> is <c>type:docId</c> with the characters Cosmos forbids in ids escaped, so records of
/// different kinds never share an id (a kind is snake_case and cannot contain the separator).
/// </summary>
internal static class CosmosEnvelope
{
    public const string TenantProperty = "tenantId";
    public const string TypeProperty = "type";
    public const string DocIdProperty = "docId";
    public const string BodyProperty = "body";

    /// <summary>Cosmos limits an id to 255 characters.</summary>
    private const int MaxItemIdLength = 255;

    public static string ItemId(string kind, string id)
    {
        ValidateKind(kind);
        if (string.IsNullOrEmpty(id)) throw new ArgumentException($"A {kind} needs an id.", nameof(id));
        var builder = new StringBuilder(kind.Length + 1 + id.Length).Append(kind).Append(':');
        foreach (var c in id)
        {
            // '/', '\\', '?' and '#' are not allowed in a Cosmos id; '%' is escaped too so the mapping stays one-to-one.
            if (c is '/' or '\\' or '?' or '#' or '%')
            {
                builder.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }
        if (builder.Length > MaxItemIdLength) throw new ArgumentException($"The {kind} id is too long for Cosmos DB.", nameof(id));
        return builder.ToString();
    }

    public static void ValidateKind(string kind)
    {
        if (string.IsNullOrEmpty(kind) || !kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{kind}' is not a document kind (snake_case expected).", nameof(kind));
        }
    }

    public static MemoryStream Serialize(TenantId tenant, DocumentWrite write)
    {
        var body = write.Json.Span;
        if (!DocumentJson.IsSingleObject(body)) throw new ArgumentException($"The body of {write.Kind} '{write.Id}' is not one JSON object.", nameof(write));
        var stream = new MemoryStream(body.Length + 128);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("id", ItemId(write.Kind, write.Id));
            writer.WriteString(TenantProperty, tenant.Value);
            writer.WriteString(TypeProperty, write.Kind);
            writer.WriteString(DocIdProperty, write.Id);
            writer.WritePropertyName(BodyProperty);
            writer.WriteRawValue(body, skipInputValidation: true);
            writer.WriteEndObject();
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>Reads one item (as stored, with system properties) back into the port's shape.</summary>
    public static StoredDocument Deserialize(JsonElement item, string? etagHeader)
    {
        var kind = item.GetProperty(TypeProperty).GetString() ?? throw new JsonException("Cosmos item without a type.");
        var id = item.GetProperty(DocIdProperty).GetString() ?? throw new JsonException("Cosmos item without a docId.");
        var body = JsonMarshal.GetRawUtf8Value(item.GetProperty(BodyProperty)).ToArray();
        var etag = etagHeader ?? (item.TryGetProperty("_etag", out var e) ? e.GetString() : null) ?? throw new JsonException("Cosmos item without an ETag.");
        return new StoredDocument(kind, id, body, etag);
    }

    public static async Task<byte[]> ReadAllAsync(Stream content, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
