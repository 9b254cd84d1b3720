using System.Text.Json;

namespace AgentFunctions.Tools;

/// <summary>
/// Checks that a tool's schema is a usable JSON Schema for function calling: an object schema, well-formed keywords,
/// <c>required</c> naming declared properties, self-contained and within size and depth limits
/// (<see cref="SelfContainedSchema"/>), and loadable by NJsonSchema (which the engine validates arguments with).
/// </summary>
internal static class JsonSchemaRules
{
    private static readonly HashSet<string> Types = ["object", "array", "string", "number", "integer", "boolean", "null"];

    public static void Check(JsonElement schema, string field, Common.Validation validation, bool requireObjectRoot)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            validation.Add(field, "must be a JSON Schema object");
            return;
        }
        if (requireObjectRoot && (!schema.TryGetProperty("type", out var rootType) || rootType.ValueKind != JsonValueKind.String || rootType.GetString() != "object"))
        {
            validation.Add(field, "must have \"type\": \"object\" at the root (tool arguments are a JSON object)");
        }
        if (SelfContainedSchema.Problem(schema) is { } problem)
        {
            validation.Add(field, problem);
            return;
        }
        CheckNode(schema, field, validation, depth: 0);
        if (!validation.IsValid) return;
        try
        {
            SelfContainedSchema.Load(schema.GetRawText());
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            validation.Add(field, "is not a valid JSON Schema");
        }
    }

    private static void CheckNode(JsonElement node, string path, Common.Validation validation, int depth)
    {
        if (depth > 16)
        {
            validation.Add(path, "is nested too deeply (at most 16 levels)");
            return;
        }
        if (node.ValueKind == JsonValueKind.True || node.ValueKind == JsonValueKind.False) return;
        if (node.ValueKind != JsonValueKind.Object)
        {
            validation.Add(path, "must be a schema object");
            return;
        }
        if (node.TryGetProperty("type", out var type))
        {
            var ok = type.ValueKind switch
            {
                JsonValueKind.String => Types.Contains(type.GetString()!),
                JsonValueKind.Array => type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && Types.Contains(t.GetString()!)),
                _ => false,
            };
            if (!ok) validation.Add(path + ".type", $"must be one of {string.Join(", ", Types)} (or an array of them)");
        }
        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (node.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                validation.Add(path + ".properties", "must be an object of schemas");
            }
            else
            {
                foreach (var property in properties.EnumerateObject())
                {
                    declared.Add(property.Name);
                    CheckNode(property.Value, $"{path}.properties.{property.Name}", validation, depth + 1);
                }
            }
        }
        if (node.TryGetProperty("required", out var required))
        {
            if (required.ValueKind != JsonValueKind.Array || required.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
            {
                validation.Add(path + ".required", "must be an array of property names");
            }
            else
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !declared.Contains(n)))
                {
                    validation.Add(path + ".required", $"names '{name}', which is not in properties");
                }
            }
        }
        if (node.TryGetProperty("items", out var items))
        {
            CheckNode(items, path + ".items", validation, depth + 1);
        }
        if (node.TryGetProperty("enum", out var enumeration) && (enumeration.ValueKind != JsonValueKind.Array || enumeration.GetArrayLength() == 0))
        {
            validation.Add(path + ".enum", "must be a non-empty array");
        }
        foreach (var keyword in new[] { "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems" })
        {
            if (node.TryGetProperty(keyword, out var bound) && bound.ValueKind != JsonValueKind.Number)
            {
                validation.Add($"{path}.{keyword}", "must be a number");
            }
        }
    }
}
