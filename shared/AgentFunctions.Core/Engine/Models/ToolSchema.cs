using System.Text.Json;

namespace AgentFunctions.Engine.Models;

/// <summary>
/// A tool as the model sees it. Function names on the wire allow only <c>[a-zA-Z0-9_-]</c>, so
/// <c>namespace.name</c> travels as <c>namespace__name</c> (<see cref="WireName"/>).
/// </summary>
public sealed record ToolSchema(string Name, string Description, JsonElement Parameters)
{
    public string WireName => ToWireName(Name);

    public static string ToWireName(string toolName) => toolName.Replace(".", "__", StringComparison.Ordinal);

    public static string FromWireName(string wireName) => wireName.Replace("__", ".", StringComparison.Ordinal);
}
