using AgentFunctions.Credentials;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Local.Vault;

/// <summary>
/// Opens the local vault when the host starts rather than at the first credential request: the key file is created on
/// first start, and a bad <see cref="VaultKeyring.KeyVariable"/> or an exposed key file stops the host with its message.
/// </summary>
internal sealed class LocalVaultStartup(ISecretVault vault) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = vault;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
