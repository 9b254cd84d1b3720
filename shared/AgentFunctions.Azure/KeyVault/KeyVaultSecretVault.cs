using System.IO.Compression;
using System.Text;
using AgentFunctions.Credentials;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace AgentFunctions.Azure.KeyVault;

/// <summary>
/// The Azure secret store: one Key Vault secret per credential, named by <see cref="KeyVaultSecretNames"/>, tagged with
/// its tenant, credential and user, one Key Vault version per rotation. Old versions are disabled after a rotation;
/// delete is Key Vault's soft delete (recoverable for the vault's retention period). Key Vault caps a value at 25 KB,
/// so values above that are stored Brotli-compressed and base64-encoded (content type says which).
/// </summary>
public sealed class KeyVaultSecretVault(SecretClient client) : ISecretVault
{
    public const int MaxValueLength = 25_000;
    public const string JsonContentType = "application/json";
    public const string CompressedContentType = "application/json+br;base64";
    public const string TenantTag = "tenant_id";
    public const string CredentialTag = "credential_id";
    public const string UserTag = "user_id";
    public const string ManagedByTag = "managed_by";
    public const string ManagedByValue = "agentfunctions";

    public async Task<string> SetAsync(SecretLocator locator, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var (text, contentType) = Encode(value.Span);
        var secret = new KeyVaultSecret(KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId), text);
        secret.Properties.ContentType = contentType;
        secret.Properties.Tags[TenantTag] = locator.Tenant.Value;
        secret.Properties.Tags[CredentialTag] = locator.CredentialId;
        if (locator.UserId is not null) secret.Properties.Tags[UserTag] = locator.UserId;
        secret.Properties.Tags[ManagedByTag] = ManagedByValue;
        var stored = await client.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
        return stored.Value.Properties.Version;
    }

    public async Task<byte[]?> GetAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        ArgumentException.ThrowIfNullOrEmpty(version);
        KeyVaultSecret secret;
        try
        {
            secret = (await client.GetSecretAsync(KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId), version, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 || (ex.Status == 403 && ex.Message.Contains("disabled", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        if (secret.Properties.Enabled == false) return null;
        // Defence in depth: the name already encodes the tenant, the tag must agree.
        if (!secret.Properties.Tags.TryGetValue(TenantTag, out var tagged) || tagged != locator.Tenant.Value)
        {
            throw new SecretVaultException("The Key Vault secret's tenant tag does not match the credential's tenant.");
        }
        return Decode(secret.Value, secret.Properties.ContentType);
    }

    public async Task RetireVersionAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        var name = KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId);
        var properties = new SecretProperties(new Uri(client.VaultUri, $"secrets/{name}/{version}")) { Enabled = false };
        try
        {
            await client.UpdateSecretPropertiesAsync(properties, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }

    public async Task DeleteAsync(SecretLocator locator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locator);
        try
        {
            await client.StartDeleteSecretAsync(KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409)
        {
            // Absent, or a delete already in progress.
        }
    }

    /// <summary>
    /// Finds the tenant's secrets by their tags (names encode the tenant too, but tags are what Key Vault lists), deletes
    /// each, waits for the soft delete to finish, then purges it so nothing stays recoverable. A vault with purge
    /// protection refuses the purge (403): the secret then stays soft-deleted until the vault's retention period ends.
    /// </summary>
    public async Task<long> DeleteTenantAsync(Common.TenantId tenant, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var properties in client.GetPropertiesOfSecretsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (properties.Tags.TryGetValue(TenantTag, out var owner) && owner == tenant.Value
                && properties.Tags.TryGetValue(ManagedByTag, out var managedBy) && managedBy == ManagedByValue
                && KeyVaultSecretNames.TryParse(properties.Name, out var named, out _) && named == tenant)
            {
                names.Add(properties.Name);
            }
        }
        foreach (var name in names)
        {
            try
            {
                var operation = await client.StartDeleteSecretAsync(name, cancellationToken).ConfigureAwait(false);
                await operation.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409)
            {
                // Absent, or a delete already in progress.
            }
            try
            {
                await client.PurgeDeletedSecretAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status is 403 or 404 or 409)
            {
                // Purge protection (403), already purged (404) or still being deleted (409): the soft delete stands.
            }
        }
        return names.Count;
    }

    private static (string Text, string ContentType) Encode(ReadOnlySpan<byte> value)
    {
        var text = Encoding.UTF8.GetString(value);
        if (Encoding.UTF8.GetByteCount(text) <= MaxValueLength) return (text, JsonContentType);
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            brotli.Write(value);
        }
        var packed = Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length);
        if (packed.Length > MaxValueLength) throw new SecretTooLargeException(MaxValueLength);
        return (packed, CompressedContentType);
    }

    private static byte[] Decode(string text, string? contentType)
    {
        if (contentType != CompressedContentType) return Encoding.UTF8.GetBytes(text);
        using var input = new MemoryStream(Convert.FromBase64String(text));
        using var brotli = new BrotliStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        brotli.CopyTo(output);
        return output.ToArray();
    }
}
