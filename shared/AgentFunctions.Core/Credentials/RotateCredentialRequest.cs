using System.Text.Json;

namespace AgentFunctions.Credentials;

/// <summary>
/// Body of POST /v1/tenants/{tenantId}/credentials/{credentialId}/rotate: the replacement secret, the replacement
/// <see cref="AllowedHosts"/>, or both. Left out, each stays as it was.
/// </summary>
public sealed record RotateCredentialRequest(JsonElement Credentials = default, IReadOnlyList<string>? AllowedHosts = null)
{
    /// <summary>Never the secret: a record's generated ToString would print it.</summary>
    public override string ToString() => $"RotateCredentialRequest {{ AllowedHosts = {AllowedHosts?.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unchanged"}, Credentials = *** }}";
}
