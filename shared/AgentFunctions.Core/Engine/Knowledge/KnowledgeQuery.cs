using AgentFunctions.Common;

namespace AgentFunctions.Engine.Knowledge;

/// <summary>A retrieval bound to one tenant and agent by shape, in the knowledge bases the agent's spec names.</summary>
public sealed record KnowledgeQuery(TenantId Tenant, string AgentId, string Text, int TopK, double MinScore, IReadOnlyList<string>? KnowledgeBaseIds = null,
    KnowledgeQueryUsage? Usage = null);

/// <summary>
/// Who a retrieval is metered to: <paramref name="Key"/> is the cause the usage events are keyed by (the run for the
/// retrieval before its first model call, the call id for a <c>builtin.knowledge_search</c> call), so a replayed
/// activity counts the query and its embedding tokens once.
/// </summary>
public sealed record KnowledgeQueryUsage(string Key, string RunId, string? UserId);
