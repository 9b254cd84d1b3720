using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Common;

/// <summary>One JSON shape for the wire and the stores: snake_case, enums as strings, unknown members refused.</summary>
public static class PlatformJson
{
    public static readonly JsonSerializerOptions Options = Create(strict: true);

    /// <summary>Lenient reading for stored documents written by older versions (extra members ignored).</summary>
    public static readonly JsonSerializerOptions Stored = Create(strict: false);

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = false,
            // Bodies go out as application/json or text/event-stream, never into HTML: keep quotes and '+' readable.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // A repeated member ({"input":"a","input":"b"}) is ambiguous: parsers disagree on which one wins, so a
            // proxy or audit log can see another value than we act on. Refused on the wire; stored documents stay lenient.
            AllowDuplicateProperties = !strict,
            // The wire is snake_case exactly: {"Input": ...} is an unknown field, not a second spelling of "input".
            PropertyNameCaseInsensitive = !strict,
        };
        options.Converters.Add(new NamedEnumConverterFactory());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
