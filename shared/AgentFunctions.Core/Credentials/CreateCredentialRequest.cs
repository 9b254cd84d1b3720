using System.Text.Json;

namespace AgentFunctions.Credentials;

/// <summary>
/// Body of POST /v1/tenants/{tenantId}/credentials. No <see cref="UserId"/>: a tenant credential. <see cref="AllowedHosts"/>:
/// the hosts the secret may be sent to.
/// </summary>
public sealed record CreateCredentialRequest(string? UserId, Dictionary<string, string>? Meta, JsonElement Credentials, IReadOnlyList<string>? AllowedHosts = null)
{
    /// <summary>Never the secret: a record's generated ToString would print it into any log or assertion message.</summary>
    public override string ToString() =>
        $"CreateCredentialRequest {{ UserId = {UserId}, Meta = {Meta?.Count ?? 0} keys, AllowedHosts = {AllowedHosts?.Count ?? 0}, Credentials = *** }}";
}
