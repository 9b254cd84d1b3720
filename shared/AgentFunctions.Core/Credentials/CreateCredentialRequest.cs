using System.Text.Json;

namespace AgentFunctions.Credentials;

/// <summary>Body of POST /v1/tenants/{tenantId}/credentials. No <see cref="UserId"/>: a tenant credential.</summary>
public sealed record CreateCredentialRequest(string? UserId, Dictionary<string, string>? Meta, JsonElement Credentials)
{
    /// <summary>Never the secret: a record's generated ToString would print it into any log or assertion message.</summary>
    public override string ToString() => $"CreateCredentialRequest {{ UserId = {UserId}, Meta = {Meta?.Count ?? 0} keys, Credentials = *** }}";
}
