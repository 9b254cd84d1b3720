using AgentFunctions.Credentials;
using Azure.Core;
using Azure.Security.KeyVault.Secrets;
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
}
