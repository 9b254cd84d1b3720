using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Writing options for JSON the tools produce (bodies, results): non-ASCII and '+' stay readable instead of \uXXXX.
/// Safe because this JSON goes to APIs and the model, never into HTML.
/// </summary>
internal static class ToolJson
{
    public static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The text as a JSON node, or null when it is not JSON (or is the literal null).</summary>
    public static System.Text.Json.Nodes.JsonNode? TryParseNode(string text)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
