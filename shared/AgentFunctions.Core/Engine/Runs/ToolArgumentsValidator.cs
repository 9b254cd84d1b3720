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
    private static readonly ConcurrentDictionary<string, CheckedSchema> Schemas = new(StringComparer.Ordinal);

    // One validator for every call: it holds only read-only settings. JsonSchema.Validate(string) builds its own each
    // time and was measured at 30-90 us and ~8 KB per call with methods still being compiled after 60,000 calls;
    // through a shared validator the same check takes ~2.5 us and ~3.5 KB (engine-cpu, loaded machine, see docs/benchmarks-engine.md).
    private static readonly NJsonSchema.Validation.JsonSchemaValidator Validator = new();

    /// <summary>Returns the problems found; empty when the arguments are valid.</summary>
    public static IReadOnlyList<string> Validate(JsonElement inputSchema, string argumentsJson)
    {
        JsonElement arguments;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
            arguments = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ["The arguments are not valid JSON."];
        }
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
        return Validator.Validate(arguments.GetRawText(), checkedSchema.Schema!, SchemaType.JsonSchema)
            .Select(e => string.IsNullOrEmpty(e.Path) || e.Path == "#" ? e.Kind.ToString() : $"{e.Path}: {e.Kind}")
            .ToList();
    }

    /// <summary>A schema as checked once: parsed, or the reason it cannot be used.</summary>
    private sealed record CheckedSchema(JsonSchema? Schema, string? Problem);

    /// <summary>The schema's check and parse, cached by its text: a tool's schema is walked and parsed once, not per call.</summary>
    private static CheckedSchema SchemaFor(JsonElement inputSchema)
    {
        var schemaJson = inputSchema.GetRawText();
        if (Schemas.TryGetValue(schemaJson, out var cached)) return cached;
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
        Schemas[schemaJson] = result;
        return result;
    }
}
