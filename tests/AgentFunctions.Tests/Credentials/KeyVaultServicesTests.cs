using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Credentials;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AgentFunctions.Tests.Credentials;

public sealed class KeyVaultServicesTests
{
    [Fact]
    public void AddKeyVaultSecretVault_ReplacesAnEarlierVault_WithTheKeyVaultAdapter()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Mock.Of<ISecretVault>());

        services.AddKeyVaultSecretVault(FakeKeyVault.VaultUri, Mock.Of<TokenCredential>());

        using var provider = services.BuildServiceProvider();
        Assert.IsType<KeyVaultSecretVault>(provider.GetRequiredService<ISecretVault>());
        Assert.Single(services, d => d.ServiceType == typeof(ISecretVault));
    }
}
