using System.Text.Json;

namespace AgentFunctions.Credentials;

/// <summary>Body of POST /v1/tenants/{tenantId}/credentials/{credentialId}/rotate: the replacement secret.</summary>
public sealed record RotateCredentialRequest(JsonElement Credentials)
{
    /// <summary>Never the secret: a record's generated ToString would print it.</summary>
    public override string ToString() => "RotateCredentialRequest { Credentials = *** }";
}
