using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Triggers;

/// <summary>
/// What wakes an agent: a webhook, a timer or a watched outside system. Runs it starts act as <see cref="CreatedBy"/>,
/// who must still be able to run the agent when the event arrives. A webhook's signing secrets live in the vault;
/// the trigger keeps only their versions and when each stops being accepted.
/// </summary>
public sealed record Trigger(
    string Id,
    TenantId TenantId,
    string AgentId,
    TriggerSystem System,
    string? CredentialId,
    TriggerOptions Options,
    bool Active,
    string CreatedBy,
    IReadOnlyList<SigningKeyVersion> SigningKeys,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "trigger";
}

/// <summary>One webhook signing secret (its value in the vault under <see cref="VaultVersion"/>); null expiry: current.</summary>
public sealed record SigningKeyVersion(string VaultVersion, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// The platform partition's map from trigger id to tenant: a webhook arrives with a trigger id and no key, and the
/// scheduler finds timer and polling triggers without a cross-partition query.
/// </summary>
public sealed record TriggerDirectoryEntry(string Id, TenantId TenantId, TenantId Owner, TriggerSystem System, bool Active) : IDocument
{
    public static string Kind => "trigger_directory";
}
