namespace AgentFunctions.Engine.Tools;

/// <summary>A tool call that cannot be made as asked; becomes a failed ToolResult whose message the model reads. No secrets in it.</summary>
public sealed class ToolCallException(string message) : Exception(message);
