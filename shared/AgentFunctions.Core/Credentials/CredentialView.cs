using System.Text.Json;
using AgentFunctions.Common;

namespace AgentFunctions.Credentials;

/// <summary>What the API returns. <see cref="Credentials"/> (the secret) is set only by the single read; lists never carry it.</summary>
public sealed record CredentialView(
    string CredentialId,
    TenantId TenantId,
    string? UserId,
    IReadOnlyDictionary<string, string> Meta,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? RotatedAt,
    IReadOnlyList<string> AllowedHosts,
    JsonElement? Credentials = null)
{
    public static CredentialView From(Credential credential, JsonElement? secret = null) =>
        new(credential.Id, credential.TenantId, credential.UserId, credential.Meta, credential.Version,
            credential.CreatedAt, credential.UpdatedAt, credential.RotatedAt, credential.AllowedHosts ?? [], secret);

    /// <summary>Never the secret: a record's generated ToString would print it.</summary>
    public override string ToString() =>
        $"CredentialView {{ CredentialId = {CredentialId}, TenantId = {TenantId}, UserId = {UserId}, Version = {Version}, Credentials = {(Credentials is null ? "none" : "***")} }}";
}
