using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tools;

/// <summary>
/// Resolves an allowlist. Each entry is a builtin name, a registry id, <c>{mcpEntry}.*</c> or the bare id of a
/// whole-server MCP entry (all the server's tools, as <c>{mcpEntry}.{tool}</c>), or <c>{mcpEntry}.{tool}</c> (one of
/// them). Agent-kind tools come back with <see cref="ResolvedTool.AgentId"/> set. Unknown names, and MCP servers that
/// cannot be listed right now, are dropped with a warning so a run goes on with the tools that work.
/// </summary>
public sealed class ToolCatalog(IDocumentStore store, McpToolLister mcpLister, CredentialResolver credentials, ILogger<ToolCatalog> logger) : IToolCatalog
{
    public Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default) =>
        ResolveAsync(tenant, allowlist, agent: null, cancellationToken);

    /// <summary>
    /// Same as <see cref="ResolveAsync(TenantId, IReadOnlyList{string}, CancellationToken)"/>, but an MCP server that
    /// needs its credential to list tools gets it, checked for this agent (the plain overload lists without credentials).
    /// </summary>
    public async Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, ToolCatalogAgent? agent, CancellationToken cancellationToken = default)
    {
        var documents = store.For(tenant);
        var resolved = new List<ResolvedTool>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(ResolvedTool tool)
        {
            if (seen.Add(tool.Name)) resolved.Add(tool);
        }

        foreach (var raw in allowlist)
        {
            var name = raw.Trim();
            if (BuiltinToolNames.IsBuiltin(name))
            {
                var settings = (await documents.GetAsync<ToolDefinition>(name, cancellationToken).ConfigureAwait(false))?.Value;
                var builtin = BuiltinTools.All.Single(t => t.Name == name);
                Add(settings is null ? builtin : builtin with { RequiresApproval = settings.RequiresApproval });
                continue;
            }
            var wholeServer = name.EndsWith(".*", StringComparison.Ordinal);
            var id = wholeServer ? name[..^2] : name;
            var definition = (await documents.GetAsync<ToolDefinition>(id, cancellationToken).ConfigureAwait(false))?.Value;
            if (definition is not null)
            {
                switch (definition.ToolKind)
                {
                    case ToolKind.Mcp when definition.Mcp is { ToolName: null }:
                        foreach (var tool in await ListAsync(definition, agent, cancellationToken).ConfigureAwait(false)) Add(tool);
                        continue;
                    case ToolKind.Http or ToolKind.Mcp when !wholeServer:
                        Add(new ResolvedTool(definition.Id, definition.Description, definition.InputSchema, definition.ToolKind, definition.RequiresApproval, RedactFields: definition.RedactFields));
                        continue;
                    case ToolKind.Agent when !wholeServer && definition.Agent is { } agentSpec:
                        Add(new ResolvedTool(definition.Id, definition.Description, definition.InputSchema, ToolKind.Agent, definition.RequiresApproval, agentSpec.AgentId, definition.RedactFields));
                        continue;
                }
            }
            else if (!wholeServer && await ToolDirectory.FindServerEntryAsync(documents, name, cancellationToken).ConfigureAwait(false) is { } server)
            {
                var listed = await ListAsync(server.Entry, agent, cancellationToken).ConfigureAwait(false);
                if (listed.FirstOrDefault(t => t.Name == name) is { } one)
                {
                    Add(one);
                    continue;
                }
            }
            logger.LogWarning("Allowlisted tool {ToolName} of tenant {TenantId} is unknown or unusable; dropped", name, tenant);
        }
        return resolved;
    }

    private async Task<IReadOnlyList<ResolvedTool>> ListAsync(ToolDefinition entry, ToolCatalogAgent? agent, CancellationToken cancellationToken)
    {
        try
        {
            return await mcpLister.ListAsync(entry, async ct =>
            {
                if (entry.Mcp?.CredentialId is not { Length: > 0 } credentialId || agent is null) return null;
                var scope = new ToolCallScope(
                    new Engine.Tools.ToolInvocation(entry.TenantId, agent.RunId ?? "", agent.AgentId, agent.AgentOwnerId, entry.Id, "{}", "list"),
                    new ToolTarget(entry.Id, ToolKind.Mcp, entry));
                return await credentials.HeaderAsync(scope, credentialId, null, Engine.Tools.McpConnector.EndpointOf(entry.Mcp!), ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning("MCP server of {ToolEntry} could not be listed ({ExceptionType}: {Reason}); its tools are unavailable for this run",
                entry.Id, ex.GetType().Name, ex is ToolCallException or BlockedDestinationException or CredentialUseRefusedException ? ex.Message : "see server logs");
            return [];
        }
    }
}
