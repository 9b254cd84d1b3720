namespace AgentFunctions.Credentials;

/// <summary>Filters for the audit list; each null filter matches everything. The list is paged newest first.</summary>
public sealed record CredentialAuditQuery(string? CredentialId, string? AgentId, string? ActorUserId, bool? Allowed)
{
    /// <summary>The filters as text, so a cursor is bound to the filters it was issued under.</summary>
    public string ListKey => $"credential_audit:{CredentialId}:{AgentId}:{ActorUserId}:{Allowed}";
}
