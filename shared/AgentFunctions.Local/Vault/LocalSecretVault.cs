using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Vault;

/// <summary>
/// The local secret store: AES-256-GCM, a fresh random 96-bit nonce per write, and the tenant, credential id, version and
/// key id bound as associated data, so a record copied to another tenant or credential fails authentication instead of
/// decrypting. Records live in their own durable log under <c>vault/</c> in the data folder.
/// </summary>
public sealed class LocalSecretVault : ISecretVault, IDisposable
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly FileDocumentStore records;
    private readonly VaultKeyring keyring;
    private readonly TimeProvider time;

    public LocalSecretVault(string vaultDirectory, VaultKeyring keyring, TimeProvider time)
    {
        VaultKeyring.CreatePrivateDirectory(vaultDirectory);
        records = new FileDocumentStore(Path.Combine(vaultDirectory, "secrets"));
        this.keyring = keyring;
        this.time = time;
    }

    public VaultKeyring Keyring => keyring;

    public async Task<string> SetAsync(SecretLocator locator, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var version = Ids.New("v", 16);
        var keyId = keyring.CurrentKeyId;
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var ciphertext = new byte[value.Length];
        var tag = new byte[TagBytes];
        using (var aes = new AesGcm(keyring.Current, TagBytes))
        {
            aes.Encrypt(nonce, value.Span, ciphertext, tag, AssociatedData(locator.Tenant, locator.CredentialId, version, keyId));
        }
        var record = new VaultSecretRecord(VaultSecretRecord.IdFor(locator.CredentialId, version), locator.Tenant, locator.CredentialId, version,
            locator.UserId, keyId, nonce, ciphertext, tag, time.GetUtcNow());
        await records.For(locator.Tenant).CreateAsync(record, cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<byte[]?> GetAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var found = await records.For(locator.Tenant).GetAsync<VaultSecretRecord>(VaultSecretRecord.IdFor(locator.CredentialId, version), cancellationToken).ConfigureAwait(false);
        if (found is null) return null;
        var record = found.Value;
        if (!keyring.TryGet(record.KeyId, out var key))
        {
            throw new SecretVaultException($"The secret was sealed with vault key '{record.KeyId}', which is not in the keyring; add it as a previous key.");
        }
        if (record.Nonce.Length != NonceBytes || record.Tag.Length != TagBytes)
        {
            throw new SecretVaultException("The stored secret record is malformed.");
        }
        var plaintext = new byte[record.Ciphertext.Length];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            // The locator's ids, not the record's: a record moved under another tenant or credential cannot authenticate.
            aes.Decrypt(record.Nonce, record.Ciphertext, record.Tag, plaintext, AssociatedData(locator.Tenant, locator.CredentialId, version, record.KeyId));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new SecretVaultException("The stored secret failed authentication (tampered, or moved from another tenant or credential).", ex);
        }
        return plaintext;
    }

    public async Task RetireVersionAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var documents = records.For(locator.Tenant);
        var id = VaultSecretRecord.IdFor(locator.CredentialId, version);
        if (await documents.ReadAsync(VaultSecretRecord.Kind, id, cancellationToken).ConfigureAwait(false) is null) return;
        try
        {
            await documents.DeleteAsync<VaultSecretRecord>(id, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentMissingException)
        {
            // Retired concurrently: the outcome is the same.
        }
    }

    public async Task DeleteAsync(SecretLocator locator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var documents = records.For(locator.Tenant);
        var versions = await documents.QueryAsync(VaultSecretRecord.Kind, [new FieldEquals("credential_id", locator.CredentialId)], cancellationToken).ConfigureAwait(false);
        if (versions.Count == 0) return;
        try
        {
            await documents.CommitAsync(versions.Select(v => DocumentWrite.Delete(VaultSecretRecord.Kind, v.Id)).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentMissingException)
        {
            // A concurrent delete or retire got there first; go again for whatever is left.
            await DeleteAsync(locator, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var documents = records.For(tenant);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var page = await documents.ReadPartitionPageAsync(new DocumentPageRequest(100), cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0) break;
            foreach (var item in page.Items)
            {
                if (item.Kind == VaultSecretRecord.Kind) secrets.Add(TypedDocuments.Deserialize<VaultSecretRecord>(item.Json).CredentialId);
            }
            try
            {
                await documents.CommitAsync(page.Items.Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentMissingException)
            {
                // A concurrent delete or retire: read the first page again.
            }
        }
        // The ciphertexts are gone from memory; rewrite the vault's log so they are gone from disk too.
        if (secrets.Count > 0) records.Compact();
        return secrets.Count;
    }

    public void Dispose() => records.Dispose();

    internal static byte[] AssociatedData(TenantId tenant, string credentialId, string version, string keyId) =>
        Encoding.UTF8.GetBytes($"agentfunctions-vault/v1\n{tenant.Value}\n{credentialId}\n{version}\n{keyId}");
}
