using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Vault;

/// <summary>
/// One encrypted secret version in the local vault's own store (separate from the metadata, as Key Vault is from Cosmos).
/// <see cref="KeyId"/> names the master key that sealed it, so the master key can be rotated while old records stay readable.
/// </summary>
internal sealed record VaultSecretRecord(
    string Id,
    TenantId TenantId,
    string CredentialId,
    string Version,
    string? UserId,
    string KeyId,
    byte[] Nonce,
    byte[] Ciphertext,
    byte[] Tag,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "vault_secret";

    public static string IdFor(string credentialId, string version) => credentialId + "." + version;
}
