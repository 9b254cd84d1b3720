using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Credentials;

/// <summary>
/// One append-only audit line: who (user and key, or agent and its owner), which credential, when, allowed or not and why.
/// <see cref="DestinationHost"/> is where an engine use was about to send the secret.
/// Ids sort by time (<c>aud_{ticks:x16}_{random}</c>), so a partition query returns them in order. Written with Create only;
/// no route updates or deletes them.
/// </summary>
public sealed record CredentialAuditRecord(
    string Id,
    TenantId TenantId,
    string CredentialId,
    CredentialAuditAction Action,
    bool Allowed,
    string? Reason,
    string? ActorUserId,
    string? ActorKeyId,
    string? AgentId,
    string? AgentOwnerId,
    string? RunId,
    string? Purpose,
    int? CredentialVersion,
    DateTimeOffset At,
    string? DestinationHost = null) : IDocument
{
    public static string Kind => "credential_audit";

    public static string NewId(DateTimeOffset at) =>
        $"aud_{at.UtcTicks:x16}_{Ids.New("r", 10)[2..]}";
}
