using AgentFunctions.Common;

namespace AgentFunctions.Credentials;

/// <summary>Where a credential's secret lives in the vault: its tenant and credential id (the owner user goes along as a tag).</summary>
public sealed record SecretLocator(TenantId Tenant, string CredentialId, string? UserId);
