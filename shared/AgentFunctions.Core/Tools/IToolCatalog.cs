using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Tools;

/// <summary>
/// Resolves an agent's allowlist into the tools it may call right now: registry tools of the tenant, builtins, and
/// the tools an MCP server lists. The engine builds the model's tool schemas from this and nothing else.
/// </summary>
public interface IToolCatalog
{
    Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default);
}

/// <summary>
/// A callable tool. <see cref="AgentId"/> is set for agent-as-tool (the engine runs it as a sub-orchestration);
/// <see cref="RedactFields"/> are masked in the arguments the run records and shows.
/// </summary>
public sealed record ResolvedTool(string Name, string Description, JsonElement InputSchema, ToolKind Kind, bool RequiresApproval, string? AgentId = null,
    IReadOnlyList<string>? RedactFields = null);
