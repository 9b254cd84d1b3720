using AgentFunctions.Credentials;
using AgentFunctions.Local.Vault;

namespace AgentFunctions.Tests.Credentials;

public sealed class LocalSecretVaultContractTests : SecretVaultContract
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-vault-" + Guid.NewGuid().ToString("N"));
    private readonly LocalSecretVault vault;

    public LocalSecretVaultContractTests()
    {
        vault = new LocalSecretVault(directory, VaultKeyring.Load(directory, null, null), TimeProvider.System);
    }

    protected override ISecretVault Vault => vault;

    public override void Dispose()
    {
        vault.Dispose();
        Directory.Delete(directory, recursive: true);
        base.Dispose();
    }
}
