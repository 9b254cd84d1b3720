using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Credentials;

namespace AgentFunctions.Tests.Credentials;

public sealed class KeyVaultSecretVaultContractTests : SecretVaultContract
{
    private readonly FakeKeyVault keyVault = new();

    protected override ISecretVault Vault => new KeyVaultSecretVault(keyVault.Client.Object);
}
