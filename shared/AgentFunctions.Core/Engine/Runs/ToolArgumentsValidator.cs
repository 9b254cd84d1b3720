using System.Collections.Concurrent;
using System.Text.Json;
using NJsonSchema;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Checks a model's tool arguments against the tool's JSON input schema. Pure and deterministic, so the orchestration
/// may call it directly. Checked and parsed schemas are cached by their text.
/// </summary>
public static class ToolArgumentsValidator
{
    private const int CacheLimit = 2048;
    private static readonly ConcurrentDictionary<byte[], CheckedSchema> Schemas = new(Utf8TextComparer.Instance);

    // One validator for every call: it holds only read-only settings. JsonSchema.Validate(string) builds its own each
    // time and was measured at 30-90 us and ~8 KB per call with methods still being compiled after 60,000 calls;
    // through a shared validator the same check takes ~2.5 us and ~3.5 KB (engine-cpu, loaded machine, see docs/benchmarks-engine.md).
    private static readonly NJsonSchema.Validation.JsonSchemaValidator Validator = new();

    /// <summary>Returns the problems found; empty when the arguments are valid.</summary>
    public static IReadOnlyList<string> Validate(JsonElement inputSchema, string argumentsJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
        }
        catch (JsonException)
        {
            return ["The arguments are not valid JSON."];
        }
        using (document)
        {
            var arguments = document.RootElement;
            if (arguments.ValueKind != JsonValueKind.Object)
            {
                return ["The arguments must be a JSON object."];
            }
            if (inputSchema.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                return [];
            }

            var checkedSchema = SchemaFor(inputSchema);
            if (checkedSchema.Problem is { } problem)
            {
                return [problem];
            }
            // The check is a pure function of the schema and the arguments' value: a tool called with no arguments ({},
            // the usual call of a tool that takes none) gets the answer computed once for its schema.
            if (!arguments.EnumerateObject().MoveNext())
            {
                return checkedSchema.EmptyObjectProblems ??= Check(checkedSchema.Schema!, "{}");
            }
            return Check(checkedSchema.Schema!, arguments.GetRawText());
        }
    }

    private static IReadOnlyList<string> Check(JsonSchema schema, string argumentsJson) =>
        Validator.Validate(argumentsJson, schema, SchemaType.JsonSchema)
            .Select(e => string.IsNullOrEmpty(e.Path) || e.Path == "#" ? e.Kind.ToString() : $"{e.Path}: {e.Kind}")
            .ToList();

    /// <summary>A schema as checked once: parsed, or the reason it cannot be used.</summary>
    private sealed record CheckedSchema(JsonSchema? Schema, string? Problem)
    {
        /// <summary>The problems of <c>{}</c> against this schema, computed on first use (a benign race: same list).</summary>
        public IReadOnlyList<string>? EmptyObjectProblems { get; set; }
    }

    /// <summary>
    /// The schema's check and parse, cached by its text: a tool's schema is walked and parsed once, not per call. The
    /// lookup reads the schema's UTF-8 text in place (no string per call).
    /// </summary>
    private static CheckedSchema SchemaFor(JsonElement inputSchema)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(inputSchema);
        if (SchemasByText.TryGetValue(raw, out var cached)) return cached;
        var schemaJson = inputSchema.GetRawText();
        CheckedSchema result;
        if (AgentFunctions.Tools.SelfContainedSchema.Problem(inputSchema) is { } problem)
        {
            result = new CheckedSchema(null, $"The tool's input schema cannot be used: it {problem}.");
        }
        else
        {
            try
            {
                // Local references only, so the parse does no I/O and a replay cannot depend on a remote file.
                result = new CheckedSchema(AgentFunctions.Tools.SelfContainedSchema.Load(schemaJson), null);
            }
            catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                result = new CheckedSchema(null, "The tool's input schema cannot be used: it is not a valid self-contained JSON Schema.");
            }
        }
        if (Schemas.Count >= CacheLimit) Schemas.Clear();
        Schemas[raw.ToArray()] = result;
        return result;
    }

    private static readonly ConcurrentDictionary<byte[], CheckedSchema>.AlternateLookup<ReadOnlySpan<byte>> SchemasByText =
        Schemas.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>Schema texts compared byte for byte, looked up by a span as well as by an array.</summary>
    private sealed class Utf8TextComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8TextComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
