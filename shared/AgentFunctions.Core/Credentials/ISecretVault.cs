namespace AgentFunctions.Credentials;

/// <summary>
/// The secret store port: Key Vault in Azure, an AES-256-GCM vault locally. Values are opaque bytes (the credential's
/// JSON as UTF-8). Every write makes a new version and returns its id; reads name the version, so the metadata decides
/// which secret is current. Both adapters pass the same contract tests (tests/AgentFunctions.Tests/Credentials/SecretVaultContract.cs).
/// </summary>
public interface ISecretVault
{
    /// <summary>Stores a new version of the secret and returns its version id.</summary>
    /// <exception cref="SecretTooLargeException">The value does not fit this vault.</exception>
    Task<string> SetAsync(SecretLocator locator, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>The value of that version; null when the secret or the version does not exist or was retired.</summary>
    /// <exception cref="SecretVaultException">The value exists but cannot be read (tampered, unknown key).</exception>
    Task<byte[]?> GetAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default);

    /// <summary>Makes one old version unreadable (after a rotation). Idempotent.</summary>
    Task RetireVersionAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default);

    /// <summary>Removes the secret and all its versions. Idempotent.</summary>
    Task DeleteAsync(SecretLocator locator, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every secret of the tenant, all versions, found by the vault's own records (not the credential metadata,
    /// which may be gone already); returns how many secrets it removed. Idempotent.
    /// </summary>
    Task<long> DeleteTenantAsync(Common.TenantId tenant, CancellationToken cancellationToken = default);
}
