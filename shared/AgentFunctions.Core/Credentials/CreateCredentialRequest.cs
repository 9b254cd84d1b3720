using System.Text.Json;

namespace AgentFunctions.Credentials;

/// <summary>Body of POST /v1/tenants/{tenantId}/credentials. No <see cref="UserId"/>: a tenant credential.</summary>
public sealed record CreateCredentialRequest(string? UserId, Dictionary<string, string>? Meta, JsonElement Credentials);
