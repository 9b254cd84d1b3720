using AgentFunctions.Credentials;
using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Azure.KeyVault;

public static class KeyVaultServices
{
    /// <summary>
    /// The Key Vault secret store, reached with <paramref name="credential"/> (in Azure a <c>ManagedIdentityCredential</c>
    /// or <c>DefaultAzureCredential</c>; the app's identity needs the "Key Vault Secrets Officer" role on the vault).
    /// Replaces any secret vault registered before.
    /// </summary>
    public static IServiceCollection AddKeyVaultSecretVault(this IServiceCollection services, Uri vaultUri, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(vaultUri);
        ArgumentNullException.ThrowIfNull(credential);
        services.RemoveAll<ISecretVault>();
        services.AddSingleton<ISecretVault>(_ => new KeyVaultSecretVault(new SecretClient(vaultUri, credential)));
        return services;
    }

    public const string VaultUriSetting = "AgentFunctions:KeyVault:Uri";
    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    /// <summary>
    /// The Functions app's wiring: the vault URI from <see cref="VaultUriSetting"/> (set by infra), the app's user-assigned
    /// managed identity from <see cref="ClientIdSetting"/> (system-assigned when absent). Read when the vault is first
    /// needed, so a missing setting fails that request with a clear message rather than every unrelated start-up.
    /// </summary>
    public static IServiceCollection AddKeyVaultSecretVault(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.RemoveAll<ISecretVault>();
        services.AddSingleton<ISecretVault>(_ =>
        {
            var uri = configuration[VaultUriSetting];
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var vaultUri))
            {
                throw new InvalidOperationException($"Set '{VaultUriSetting}' (AgentFunctions__KeyVault__Uri) to the Key Vault URI for tool credentials.");
            }
            var clientId = configuration[ClientIdSetting];
            var identity = string.IsNullOrEmpty(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            return new KeyVaultSecretVault(new SecretClient(vaultUri, identity));
        });
        return services;
    }
}
