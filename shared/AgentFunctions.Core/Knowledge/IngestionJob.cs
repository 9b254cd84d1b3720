using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>Index version <see cref="Version"/> of a document. Idempotent: a job for a superseded version does nothing.</summary>
public sealed record IngestionJob(TenantId Tenant, string KnowledgeBaseId, string DocumentId, int Version);
