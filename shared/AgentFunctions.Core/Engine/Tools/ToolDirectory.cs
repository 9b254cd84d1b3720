using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Maps a tool name to what runs. Names: a builtin (<c>builtin.*</c>, with the tenant's optional settings record of
/// the same id); a registry id (<c>namespace.name</c>); or <c>{entry}.{mcpTool}</c> for a tool listed by an MCP
/// registry entry that exposes its whole server (its <c>mcp.tool_name</c> is null). An MCP entry with a
/// <c>tool_name</c> is one tool under the entry's own id.
/// </summary>
public sealed class ToolDirectory(IDocumentStore store)
{
    public async Task<ToolTarget?> FindAsync(TenantId tenant, string name, CancellationToken cancellationToken)
    {
        var documents = store.For(tenant);
        var exact = (await documents.GetAsync<ToolDefinition>(name, cancellationToken).ConfigureAwait(false))?.Value;
        if (BuiltinToolNames.IsBuiltin(name))
        {
            return new ToolTarget(name, ToolKind.Builtin, exact);
        }
        if (exact is not null)
        {
            return exact.ToolKind switch
            {
                ToolKind.Mcp when exact.Mcp is { ToolName: { Length: > 0 } toolName } => new ToolTarget(name, ToolKind.Mcp, exact, toolName),
                ToolKind.Mcp => null, // a whole-server entry is not itself callable; its tools are {entry}.{tool}
                ToolKind.Builtin => null, // a settings record for a builtin that does not exist
                _ => new ToolTarget(name, exact.ToolKind, exact),
            };
        }
        var server = await FindServerEntryAsync(documents, name, cancellationToken).ConfigureAwait(false);
        return server is null ? null : new ToolTarget(name, ToolKind.Mcp, server.Value.Entry, server.Value.ToolName);
    }

    /// <summary>For <c>{entry}.{tool}</c>: the whole-server MCP entry and the tool's name on that server.</summary>
    public static async Task<(ToolDefinition Entry, string ToolName)?> FindServerEntryAsync(ITenantDocuments documents, string name, CancellationToken cancellationToken)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1) return null;
        var entry = (await documents.GetAsync<ToolDefinition>(name[..dot], cancellationToken).ConfigureAwait(false))?.Value;
        return entry is { ToolKind: ToolKind.Mcp, Mcp.ToolName: null } ? (entry, name[(dot + 1)..]) : null;
    }
}
