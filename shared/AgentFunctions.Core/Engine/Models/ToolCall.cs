namespace AgentFunctions.Engine.Models;

/// <summary>A model's request to call a tool. <see cref="Name"/> is the wire name (see <see cref="ToolSchema"/>).</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);
