using System.Text.RegularExpressions;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Agents;

/// <summary>
/// Agents and their immutable versions. Scope <c>user</c> agents are visible to their owner only, <c>team</c> agents to the
/// members of their team; anything invisible is reported as not found. Every change writes the new version and the agent
/// in one atomic batch, conditional on the ETag the caller read.
/// </summary>
public sealed partial class AgentService(IDocumentStore store, ToolRegistryService tools, IChatModelRouter models, TimeProvider time, ILogger<AgentService> logger, Usage.UsageLimits? limits = null)
{
    public const string DefaultModel = "offline";

    public async Task<Versioned<Agent>> CreateAsync(Caller caller, AgentInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageAgents);
        var partition = store.For(caller.Tenant);
        var spec = await ValidateAsync(caller, Complete(input, current: null), cancellationToken).ConfigureAwait(false);
        if (limits is not null) await limits.EnsureAgentSlotAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var teamId = input.TeamId ?? caller.TeamIds.FirstOrDefault();
        if (teamId is null || !caller.TeamIds.Contains(teamId))
        {
            throw ValidationFailedException.For("team_id", "must be one of your teams");
        }

        var now = time.GetUtcNow();
        var agent = new Agent(Ids.New("agt"), caller.Tenant, caller.UserId, teamId, Enabled: true, Version: 1, LatestVersion: 1, spec, now, now);
        var version = new AgentVersion(AgentVersion.IdFor(agent.Id, 1), caller.Tenant, agent.Id, 1, spec, caller.UserId, now);
        var etags = await partition.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Create, partition, agent),
            TypedDocuments.Write(DocumentWriteMode.Create, partition, version),
        ], cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Agent {AgentId} created by {UserId} in tenant {TenantId}", agent.Id, caller.UserId, caller.Tenant.Value);
        return new Versioned<Agent>(agent, etags[0]!);
    }

    public async Task<Versioned<Agent>> GetAsync(Caller caller, string agentId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var agent = Ids.LooksValid(agentId) ? await store.For(caller.Tenant).GetAsync<Agent>(agentId, cancellationToken).ConfigureAwait(false) : null;
        if (agent is null || !IsVisible(caller, agent.Value))
        {
            throw new NotFoundException("Agent");
        }
        return agent;
    }

    /// <summary>One page of the agents the caller may see (others' personal agents are left out of the page).</summary>
    public async Task<ListPage<Agent>> ListAsync(Caller caller, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var page = await ListCursor.ReadAsync<Agent>(store.For(caller.Tenant), "agents", request, newestFirst: false, cancellationToken).ConfigureAwait(false);
        return new ListPage<Agent>(page.Items.Select(a => a.Value).Where(a => IsVisible(caller, a)).ToList(), page.NextCursor);
    }

    /// <summary>PUT (<paramref name="merge"/> false: absent fields reset to defaults) or PATCH (merge: absent fields kept).</summary>
    public async Task<Versioned<Agent>> UpdateAsync(Caller caller, string agentId, AgentInput input, string? ifMatch, bool merge, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageAgents);
        RequireIfMatch(ifMatch);
        var current = await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The agent changed since you read it; GET it again and retry with its ETag.");
        if (input.TeamId is not null && input.TeamId != current.Value.TeamId)
        {
            throw ValidationFailedException.For("team_id", "cannot be changed");
        }
        var spec = await ValidateAsync(caller, Complete(input, merge ? current.Value.Spec : null), cancellationToken).ConfigureAwait(false);
        return await WriteVersionAsync(caller, current, spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Versioned<Agent>> SetEnabledAsync(Caller caller, string agentId, bool enabled, string? ifMatch, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageAgents);
        var current = await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The agent changed since you read it.");
        if (current.Value.Enabled == enabled) return current;
        if (enabled && limits is not null) await limits.EnsureAgentSlotAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var updated = current.Value with { Enabled = enabled, UpdatedAt = time.GetUtcNow() };
        var result = await store.For(caller.Tenant).ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Agent {AgentId} {State} by {UserId}", agentId, enabled ? "enabled" : "disabled", caller.UserId);
        return result;
    }

    public async Task DeleteAsync(Caller caller, string agentId, string? ifMatch, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageAgents);
        var current = await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The agent changed since you read it.");
        var partition = store.For(caller.Tenant);
        var versions = await partition.ListAsync<AgentVersion>(cancellationToken, new FieldEquals("agent_id", agentId)).ConfigureAwait(false);
        var writes = new List<DocumentWrite> { DocumentWrite.Delete(Agent.Kind, agentId, current.ETag) };
        writes.AddRange(versions.Select(v => DocumentWrite.Delete(AgentVersion.Kind, v.Value.Id)));
        await partition.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Agent {AgentId} deleted with {VersionCount} versions by {UserId}", agentId, versions.Count, caller.UserId);
    }

    /// <summary>One page of an agent's versions, oldest first.</summary>
    public async Task<ListPage<AgentVersion>> ListVersionsAsync(Caller caller, string agentId, ListRequest request, CancellationToken cancellationToken = default)
    {
        await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var page = await ListCursor.ReadAsync<AgentVersion>(store.For(caller.Tenant), $"agent_versions:{agentId}", request, newestFirst: false,
            cancellationToken, new FieldEquals("agent_id", agentId)).ConfigureAwait(false);
        return page.Select(v => v.Value);
    }

    public async Task<AgentVersion> GetVersionAsync(Caller caller, string agentId, int number, CancellationToken cancellationToken = default)
    {
        await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        return await FindVersionAsync(store.For(caller.Tenant), agentId, number, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"Version {number}");
    }

    /// <summary>Re-activates an old version: its spec becomes the agent's, and the version list is left as it was.</summary>
    public async Task<Versioned<Agent>> RollbackAsync(Caller caller, string agentId, int number, string? ifMatch, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageAgents);
        var current = await GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The agent changed since you read it.");
        var version = await FindVersionAsync(store.For(caller.Tenant), agentId, number, cancellationToken).ConfigureAwait(false)
            ?? throw ValidationFailedException.For("version", $"version {number} does not exist");
        var updated = current.Value with { Version = number, Spec = version.Spec, UpdatedAt = time.GetUtcNow() };
        var result = await store.For(caller.Tenant).ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Agent {AgentId} rolled back to version {Version} by {UserId}", agentId, number, caller.UserId);
        return result;
    }

    private static async Task<AgentVersion?> FindVersionAsync(ITenantDocuments partition, string agentId, int number, CancellationToken cancellationToken) =>
        (await partition.GetAsync<AgentVersion>(AgentVersion.IdFor(agentId, number), cancellationToken).ConfigureAwait(false)
            ?? await partition.GetAsync<AgentVersion>(AgentVersion.LegacyIdFor(agentId, number), cancellationToken).ConfigureAwait(false))?.Value;

    public static bool IsVisible(Caller caller, Agent agent) => agent.Spec.Scope switch
    {
        AgentScope.User => agent.OwnerId == caller.UserId,
        AgentScope.Team => caller.TeamIds.Contains(agent.TeamId),
        _ => false,
    };

    private async Task<Versioned<Agent>> WriteVersionAsync(Caller caller, Versioned<Agent> current, AgentSpec spec, CancellationToken cancellationToken)
    {
        var partition = store.For(caller.Tenant);
        var now = time.GetUtcNow();
        var number = current.Value.LatestVersion + 1;
        var version = new AgentVersion(AgentVersion.IdFor(current.Value.Id, number), caller.Tenant, current.Value.Id, number, spec, caller.UserId, now);
        var agent = current.Value with { Version = number, LatestVersion = number, Spec = spec, UpdatedAt = now };
        var etags = await partition.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Replace, partition, agent, current.ETag),
            TypedDocuments.Write(DocumentWriteMode.Create, partition, version),
        ], cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Agent {AgentId} updated to version {Version} by {UserId}", agent.Id, number, caller.UserId);
        return new Versioned<Agent>(agent, etags[0]!);
    }

    private static void RequireIfMatch(string? ifMatch)
    {
        if (string.IsNullOrEmpty(ifMatch))
        {
            throw new PreconditionRequiredException("Send the agent's ETag in If-Match (GET the agent first).");
        }
    }

    private static AgentSpec Complete(AgentInput input, AgentSpec? current) => new(
        Name: input.Name ?? current?.Name ?? string.Empty,
        Description: input.Description ?? current?.Description,
        Scope: input.Scope ?? current?.Scope ?? AgentScope.User,
        Model: input.Model ?? current?.Model ?? DefaultModel,
        SystemPrompt: input.SystemPrompt ?? current?.SystemPrompt ?? string.Empty,
        Rules: input.Rules ?? current?.Rules ?? [],
        Tools: input.Tools ?? current?.Tools ?? [],
        Knowledge: input.Knowledge ?? current?.Knowledge ?? KnowledgeSettings.Off,
        MemoryWindow: input.MemoryWindow ?? current?.MemoryWindow ?? 20,
        Limits: input.Limits ?? current?.Limits ?? AgentLimits.Default);

    private async Task<AgentSpec> ValidateAsync(Caller caller, AgentSpec spec, CancellationToken cancellationToken)
    {
        var v = new Validation()
            .RequireName(spec.Name, "name", 200)
            .Require(spec.Description is null || spec.Description.Length <= 2000, "description", "must be at most 2000 characters")
            .Require(ModelPattern().IsMatch(spec.Model), "model", "must be 1-100 characters of letters, digits, '.', '_', ':', '/' or '-'")
            .Require(spec.SystemPrompt.Length <= 32_000, "system_prompt", "must be at most 32000 characters")
            .Require(spec.Rules.Count <= 50, "rules", "at most 50 rules")
            .Require(spec.Rules.All(r => !string.IsNullOrWhiteSpace(r) && r.Length <= 2000), "rules", "each rule must be 1-2000 characters")
            .Require(spec.Tools.Count <= 64, "tools", "at most 64 tools")
            .Require(spec.Tools.Distinct(StringComparer.Ordinal).Count() == spec.Tools.Count, "tools", "names must be distinct")
            .Require(spec.MemoryWindow is >= 0 and <= 200, "memory_window", "must be between 0 and 200 messages")
            .Require(spec.Knowledge.TopK is >= 1 and <= 20, "knowledge.top_k", "must be between 1 and 20")
            .Require(spec.Knowledge.MinScore is >= 0 and <= 1, "knowledge.min_score", "must be between 0 and 1")
            .Require(spec.Limits.MaxToolCallsPerTurn is >= 0 and <= 64, "limits.max_tool_calls_per_turn", "must be between 0 and 64")
            .Require(spec.Limits.MaxLoops is >= 1 and <= 50, "limits.max_loops", "must be between 1 and 50")
            .Require(spec.Limits.MaxTokens is >= 1 and <= 2_000_000, "limits.max_tokens", "must be between 1 and 2000000")
            .Require(spec.Limits.MaxExecutionSeconds is >= 1 and <= 3600, "limits.max_execution_seconds", "must be between 1 and 3600");

        if (ModelPattern().IsMatch(spec.Model) && !models.Serves(spec.Model))
        {
            v.Add("model", $"no configured model endpoint serves '{spec.Model}'; use 'offline' (or 'scripted:...'), or configure AgentFunctions:Models:OpenAI");
        }

        var knowledgeBases = spec.Knowledge.KnowledgeBaseIds ?? [];
        v.Require(knowledgeBases.Count <= 20, "knowledge.knowledge_base_ids", "at most 20 knowledge bases");
        var partition = store.For(caller.Tenant);
        foreach (var id in knowledgeBases.Distinct(StringComparer.Ordinal).Take(20))
        {
            if (!Ids.LooksValid(id) || await partition.GetAsync<Knowledge.KnowledgeBase>(id, cancellationToken).ConfigureAwait(false) is null)
            {
                v.Add("knowledge.knowledge_base_ids", $"knowledge base '{id}' does not exist in this tenant");
            }
        }

        var missing = await tools.MissingAsync(caller.Tenant, spec.Tools, cancellationToken).ConfigureAwait(false);
        foreach (var name in missing)
        {
            v.Add("tools", $"tool '{name}' does not exist in this tenant");
        }
        v.ThrowIfInvalid();
        return spec with { Name = spec.Name.Trim() };
    }

    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,100}$")]
    private static partial Regex ModelPattern();
}
