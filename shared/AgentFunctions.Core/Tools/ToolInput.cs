using System.Text.Json;

namespace AgentFunctions.Tools;

/// <summary>A tool as a client registers or replaces it.</summary>
public sealed record ToolInput(
    string? Name = null,
    string? Description = null,
    ToolKind? Kind = null,
    JsonElement? InputSchema = null,
    JsonElement? OutputSchema = null,
    HttpToolSpec? Http = null,
    AgentToolSpec? Agent = null,
    McpToolSpec? Mcp = null,
    int? TimeoutSeconds = null,
    int? Retries = null,
    int? RateLimitPerMinute = null,
    IReadOnlyList<string>? RedactFields = null,
    bool? RequiresApproval = null);
