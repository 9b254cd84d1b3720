using AgentFunctions.Common;

namespace AgentFunctions.Engine.Knowledge;

/// <summary>A retrieval bound to one tenant and agent by shape.</summary>
public sealed record KnowledgeQuery(TenantId Tenant, string AgentId, string Text, int TopK, double MinScore);
