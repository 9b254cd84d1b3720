using System.Collections.Concurrent;
using System.Text.Json;
using NJsonSchema;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Checks a model's tool arguments against the tool's JSON input schema. Pure and deterministic, so the orchestration
/// may call it directly. Parsed schemas are cached by their text.
/// </summary>
public static class ToolArgumentsValidator
{
    private const int CacheLimit = 2048;
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new(StringComparer.Ordinal);

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

        if (AgentFunctions.Tools.SelfContainedSchema.Problem(inputSchema) is { } problem)
        {
            return [$"The tool's input schema cannot be used: it {problem}."];
        }
        JsonSchema schema;
        try
        {
            schema = SchemaFor(inputSchema.GetRawText());
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return ["The tool's input schema cannot be used: it is not a valid self-contained JSON Schema."];
        }
        return schema.Validate(arguments.GetRawText())
            .Select(e => string.IsNullOrEmpty(e.Path) || e.Path == "#" ? e.Kind.ToString() : $"{e.Path}: {e.Kind}")
            .ToList();
    }

    private static JsonSchema SchemaFor(string schemaJson)
    {
        if (Schemas.TryGetValue(schemaJson, out var cached)) return cached;
        // Local references only, so the parse does no I/O and a replay cannot depend on a remote file.
        var schema = AgentFunctions.Tools.SelfContainedSchema.Load(schemaJson);
        if (Schemas.Count >= CacheLimit) Schemas.Clear();
        Schemas[schemaJson] = schema;
        return schema;
    }
}
