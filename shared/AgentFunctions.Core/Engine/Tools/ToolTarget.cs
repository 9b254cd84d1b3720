using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// A tool name resolved to what runs and under which policy. <see cref="Definition"/> is the registry record (for a
/// builtin, the tenant's optional settings record of the same id); <see cref="McpToolName"/> is the name on the MCP server.
/// </summary>
public sealed record ToolTarget(string Name, ToolKind Kind, ToolDefinition? Definition, string? McpToolName = null)
{
    public IReadOnlyList<string> RedactFields => Definition?.RedactFields ?? [];

    public int Retries => Definition?.Retries ?? 0;

    public int? RateLimitPerMinute => Definition?.RateLimitPerMinute;
}
