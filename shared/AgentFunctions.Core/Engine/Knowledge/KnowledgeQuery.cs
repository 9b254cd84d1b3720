using AgentFunctions.Common;

namespace AgentFunctions.Engine.Knowledge;

/// <summary>A retrieval bound to one tenant and agent by shape, in the knowledge bases the agent's spec names.</summary>
public sealed record KnowledgeQuery(TenantId Tenant, string AgentId, string Text, int TopK, double MinScore, IReadOnlyList<string>? KnowledgeBaseIds = null);
