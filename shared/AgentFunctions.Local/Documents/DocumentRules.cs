using System.Text.Json;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Documents;

/// <summary>The write checks and the filter both local document stores apply, so they refuse and match alike.</summary>
internal static class DocumentRules
{
    public static void Validate(IReadOnlyList<DocumentWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        foreach (var write in writes) Validate(write);
        if (writes.Count == 1) return;
        var seen = new HashSet<(string, string)>();
        foreach (var write in writes)
        {
            if (!seen.Add((write.Kind, write.Id)))
            {
                throw new ArgumentException($"A batch may touch {write.Kind} '{write.Id}' only once.", nameof(writes));
            }
        }
    }

    private static void Validate(DocumentWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        // Same rule as the Cosmos adapter (the kind is part of the item id there), so a bad kind fails here first.
        if (string.IsNullOrEmpty(write.Kind) || !write.Kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"'{write.Kind}' is not a document kind (snake_case expected).", nameof(write));
        }
        if (string.IsNullOrEmpty(write.Id)) throw new ArgumentException($"A {write.Kind} write needs an id.", nameof(write));
        if (write.Mode == DocumentWriteMode.Delete) return;
        if (!DocumentJson.IsSingleObject(write.Json.Span)) throw new ArgumentException($"The body of {write.Kind} '{write.Id}' is not one JSON object.", nameof(write));
    }

    /// <summary>
    /// The refusal a write meets against the current record (null when absent), or null when it may go ahead: a create
    /// over a record, a replace or delete of nothing, an If-Match that no longer matches.
    /// </summary>
    public static Exception? Refusal(DocumentWrite write, string? currentETag, bool exists) => write.Mode switch
    {
        DocumentWriteMode.Create when exists => new DocumentConflictException(write.Kind, write.Id),
        DocumentWriteMode.Replace or DocumentWriteMode.Delete when !exists => new DocumentMissingException(write.Kind, write.Id),
        DocumentWriteMode.Replace or DocumentWriteMode.Delete when write.IfMatch is not null && write.IfMatch != currentETag =>
            new DocumentPreconditionFailedException(write.Kind, write.Id),
        _ => null,
    };

    /// <summary>
    /// Whether every condition holds: a string field equals the value, JSON null or a missing field matches a null
    /// value, any other field matches its raw JSON text.
    /// </summary>
    public static bool Matches(ReadOnlyMemory<byte> body, IReadOnlyList<FieldEquals> filter)
    {
        if (filter.Count == 0) return true;
        using var json = JsonDocument.Parse(body);
        foreach (var condition in filter)
        {
            if (!json.RootElement.TryGetProperty(condition.Field, out var value))
            {
                if (condition.Value is null) continue;
                return false;
            }
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => value.GetRawText(),
            };
            if (!string.Equals(text, condition.Value, StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
