using AgentFunctions.Credentials;

namespace AgentFunctions.Api.Credentials;

public sealed record CredentialAuditList(IReadOnlyList<CredentialAuditRecord> Items);
