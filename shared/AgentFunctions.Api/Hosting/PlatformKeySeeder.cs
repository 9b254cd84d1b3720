using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// In Azure the platform key is a Key Vault secret surfaced as the app setting <see cref="SettingName"/> (a Key Vault
/// reference). At start-up this writes its SHA-256 hash as the <see cref="PlatformKey"/> record, so
/// <see cref="KeyAuthenticator"/> accepts <c>afp.{secret}</c> and rotating the secret in Key Vault rotates the key on the
/// next start. Only the hash is stored; the secret never reaches a log or an exception message.
/// </summary>
internal sealed class PlatformKeySeeder(IConfiguration configuration, IDocumentStore store, TimeProvider time, ILogger<PlatformKeySeeder> logger)
    : IHostedService
{
    public const string SettingName = "AgentFunctions:PlatformKey";

    /// <summary>A shorter secret is refused: it would be guessable, and the seeder would rather leave tenant management closed.</summary>
    public const int MinimumSecretLength = 16;

    public Task StartAsync(CancellationToken cancellationToken) => SeedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Returns true when the stored hash matches the configured key after the call.</summary>
    public async Task<bool> SeedAsync(CancellationToken cancellationToken = default)
    {
        var secret = SecretOf(configuration[SettingName]);
        if (secret is null)
        {
            logger.LogWarning("No usable platform key in setting {Setting} (missing, an unresolved Key Vault reference, or shorter than {MinimumLength} characters); tenant management stays closed",
                SettingName, MinimumSecretLength);
            return false;
        }

        try
        {
            var partition = store.For(TenantId.Platform);
            var existing = await partition.GetAsync<PlatformKey>(PlatformKey.SingletonId, cancellationToken).ConfigureAwait(false);
            if (existing is not null && ApiKeyToken.HashMatches(secret, existing.Value.SecretHash))
            {
                return true;
            }
            await partition.UpsertAsync(new PlatformKey(PlatformKey.SingletonId, TenantId.Platform, ApiKeyToken.Hash(secret), time.GetUtcNow()), cancellationToken)
                .ConfigureAwait(false);
            logger.LogInformation("Platform key record {Outcome} from setting {Setting}", existing is null ? "created" : "rotated", SettingName);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A store outage at start-up must not stop tenant traffic; the next start retries.
            logger.LogError(ex, "Could not write the platform key record from setting {Setting}", SettingName);
            return false;
        }
    }

    /// <summary>The setting may hold the whole key (<c>afp.{secret}</c>) or only the secret; either way the secret is hashed.</summary>
    internal static string? SecretOf(string? configured)
    {
        var value = configured?.Trim();
        // An unresolved Key Vault reference reaches the app as its own text, which is public: never accept it as a key.
        if (string.IsNullOrEmpty(value) || value.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var prefix = ApiKeyToken.PlatformPrefix + ".";
        if (value.StartsWith(prefix, StringComparison.Ordinal))
        {
            value = value[prefix.Length..];
        }
        return value.Length >= MinimumSecretLength ? value : null;
    }
}
