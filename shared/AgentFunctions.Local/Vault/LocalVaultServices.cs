using AgentFunctions.Credentials;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Vault;

public static class LocalVaultServices
{
    /// <summary>
    /// The embedded AES-256-GCM vault under <c>{dataDirectory}/vault</c>. The master key comes from configuration /
    /// environment <see cref="VaultKeyring.KeyVariable"/>, else from the key file created there on first start.
    /// </summary>
    public static IServiceCollection AddLocalSecretVault(this IServiceCollection services, string dataDirectory)
    {
        services.AddSingleton<ISecretVault>(sp =>
        {
            var configuration = sp.GetService<IConfiguration>();
            var vaultDirectory = Path.Combine(dataDirectory, "vault");
            var keyring = VaultKeyring.Load(vaultDirectory,
                configuration?[VaultKeyring.KeyVariable] ?? Environment.GetEnvironmentVariable(VaultKeyring.KeyVariable),
                configuration?[VaultKeyring.PreviousKeysVariable] ?? Environment.GetEnvironmentVariable(VaultKeyring.PreviousKeysVariable));
            sp.GetService<ILoggerFactory>()?.CreateLogger("AgentFunctions.Local.Vault")
                .LogInformation("Local vault in {VaultDirectory}: current key {KeyId} from {KeySource}, {KeyCount} key(s) in the keyring",
                    vaultDirectory, keyring.CurrentKeyId, keyring.Source, keyring.KeyIds.Count);
            return new LocalSecretVault(vaultDirectory, keyring, sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<LocalVaultStartup>();
        return services;
    }
}
