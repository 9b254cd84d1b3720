using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tools;

/// <summary>
/// A tool an agent may call. <see cref="Id"/> is its <c>namespace.name</c>, unique in the tenant.
/// Auth is a credential reference, never a secret.
/// </summary>
public sealed record ToolDefinition(
    string Id,
    TenantId TenantId,
    string Description,
    [property: System.Text.Json.Serialization.JsonPropertyName("kind")] ToolKind ToolKind,
    JsonElement InputSchema,
    JsonElement? OutputSchema,
    HttpToolSpec? Http,
    AgentToolSpec? Agent,
    McpToolSpec? Mcp,
    int TimeoutSeconds,
    int Retries,
    int? RateLimitPerMinute,
    IReadOnlyList<string> RedactFields,
    bool RequiresApproval,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "tool";

    public string Name => Id;
}

public enum ToolKind
{
    Builtin,
    Http,
    Agent,
    Mcp,
}

/// <summary>An HTTP call: URL template filled from validated input, credential injected at the moment of use.</summary>
public sealed record HttpToolSpec(
    string Method,
    string UrlTemplate,
    IReadOnlyDictionary<string, string>? Headers,
    string? CredentialId,
    CredentialPlacement? CredentialPlacement,
    IReadOnlyList<string> AllowedHosts);

/// <summary>Where a credential's secret goes in the outgoing request.</summary>
public sealed record CredentialPlacement(string Header, string? Format, string? Field);

/// <summary>Another agent of the tenant called as a tool.</summary>
public sealed record AgentToolSpec(string AgentId);

/// <summary>A tool served by an MCP server over HTTP.</summary>
public sealed record McpToolSpec(string ServerUrl, string? ToolName, string? CredentialId, IReadOnlyList<string> AllowedHosts);
