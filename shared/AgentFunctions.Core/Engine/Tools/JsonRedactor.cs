using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Replaces the values of named JSON properties, at any depth, with a marker. Used on tool arguments and results
/// before they are logged, stored or returned. Text that is not JSON is returned unchanged (it has no fields to name).
/// </summary>
public static class JsonRedactor
{
    public const string Marker = "[redacted]";

    public static string Redact(string text, IReadOnlyCollection<string> fields)
    {
        if (fields.Count == 0 || string.IsNullOrWhiteSpace(text)) return text;
        if (ToolJson.TryParseNode(text) is not { } root) return text;
        var names = new HashSet<string>(fields, StringComparer.OrdinalIgnoreCase);
        return Walk(root, names) ? root.ToJsonString(ToolJson.Relaxed) : text;
    }

    private static bool Walk(JsonNode node, HashSet<string> names)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (names.Contains(name))
                    {
                        obj[name] = Marker;
                        changed = true;
                    }
                    else if (obj[name] is { } child)
                    {
                        changed |= Walk(child, names);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null) changed |= Walk(item, names);
                }
                break;
        }
        return changed;
    }
}
