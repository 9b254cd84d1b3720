namespace AgentFunctions.Credentials;

/// <summary>Filters for the audit list; each null filter matches everything. Newest first, at most <see cref="Limit"/>.</summary>
public sealed record CredentialAuditQuery(string? CredentialId, string? AgentId, string? ActorUserId, bool? Allowed, int Limit = 100);
