using AgentFunctions.Common;

namespace AgentFunctions.Credentials;

/// <summary>
/// The engine's way to a secret, at the moment a tool needs it. A user's credential may be used only by
/// agents that user owns; a tenant credential by any agent of the tenant. Every use and refusal is audited.
/// </summary>
public interface ICredentialAccess
{
    /// <summary>Returns the decrypted secret object, or throws <see cref="CredentialUseRefusedException"/>.</summary>
    Task<CredentialSecret> UseAsync(CredentialUseRequest request, CancellationToken cancellationToken = default);
}

/// <summary>
/// One use of a credential. <see cref="DestinationHost"/> is the host the secret is about to be sent to: the use is
/// refused (and audited) unless the credential's own allowed hosts include it, whatever the tool's settings say.
/// </summary>
public sealed record CredentialUseRequest(TenantId Tenant, string CredentialId, string AgentId, string AgentOwnerId, string Purpose, string? RunId, string DestinationHost);

/// <summary>A decrypted secret. Its ToString never shows the value, so it cannot leak through a log template.</summary>
public sealed class CredentialSecret(string credentialId, System.Text.Json.JsonElement value)
{
    public string CredentialId { get; } = credentialId;

    public System.Text.Json.JsonElement Value { get; } = value;

    public override string ToString() => $"CredentialSecret({CredentialId}, ***)";
}

public sealed class CredentialUseRefusedException(string credentialId, string reason)
    : PlatformException($"Credential '{credentialId}' may not be used: {reason}")
{
    public string CredentialId { get; } = credentialId;
    public string Reason { get; } = reason;
}
