using System.Text.Json;
using NJsonSchema;
using NJsonSchema.References;

namespace AgentFunctions.Tools;

/// <summary>
/// The only way the platform turns a JSON Schema into an NJsonSchema <see cref="JsonSchema"/>. A schema must be
/// self-contained: every <c>$ref</c> is a local <c>#...</c> pointer, and the reference resolver refuses files and URLs
/// outright, so parsing a tenant's or an MCP server's schema can never make the platform open a file or send a request
/// (NJsonSchema's default resolver fetches remote references with its own HttpClient, past the network guard).
/// Size and nesting are bounded, so a schema cannot make a parse or a validation expensive.
/// </summary>
public static class SelfContainedSchema
{
    /// <summary>Largest schema, in bytes of its JSON text.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Deepest JSON nesting of a schema document (objects and arrays).</summary>
    public const int MaxDepth = 32;

    /// <summary>Why <paramref name="schema"/> may not be used (naming where), or null when it is self-contained and within the limits.</summary>
    public static string? Problem(JsonElement schema)
    {
        var size = System.Text.Encoding.UTF8.GetByteCount(schema.GetRawText());
        if (size > MaxBytes)
        {
            return $"is {size} bytes; a schema may be at most {MaxBytes} bytes";
        }
        return Walk(schema, "$", 0);
    }

    /// <summary>Parses a schema that passed <see cref="Problem"/>. Never resolves anything outside the document itself.</summary>
    public static JsonSchema Load(string schemaJson)
    {
        // Every reference is local, so the parse completes synchronously: no I/O can be awaited here.
        var task = JsonSchema.FromJsonAsync(schemaJson, documentPath: null, schema => new LocalReferencesOnly(schema), CancellationToken.None);
        return task.GetAwaiter().GetResult();
    }

    private static string? Walk(JsonElement node, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            return $"nests deeper than {MaxDepth} levels (at {path})";
        }
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String && !IsLocal(property.Value.GetString()!))
                    {
                        return $"has a $ref that is not local (at {path}.$ref): only '#...' references inside the schema are allowed; inline the referenced schema under $defs";
                    }
                    if (Walk(property.Value, path + "." + property.Name, depth + 1) is { } problem) return problem;
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in node.EnumerateArray())
                {
                    if (Walk(item, $"{path}[{index++}]", depth + 1) is { } problem) return problem;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool IsLocal(string reference) => reference.StartsWith('#');

    /// <summary>Resolves <c>#...</c> pointers inside the document; any file or URL reference is refused without being touched.</summary>
    private sealed class LocalReferencesOnly(JsonSchema root) : JsonReferenceResolver(new JsonSchemaAppender(root, new DefaultTypeNameGenerator()))
    {
        public override Task<IJsonReference> ResolveFileReferenceAsync(string filePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("A schema may only reference itself ('#...'); file references are refused.");

        public override Task<IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("A schema may only reference itself ('#...'); URL references are refused.");
    }
}
