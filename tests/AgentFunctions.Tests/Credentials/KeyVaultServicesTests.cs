using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Credentials;
using Azure.Core;
using Microsoft.Extensions.Configuration;
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

    [Fact]
    public void AddKeyVaultSecretVault_FromConfiguration_UsesTheVaultUriSetting_AndExplainsWhenItIsMissing()
    {
        var configured = new ServiceCollection().AddKeyVaultSecretVault(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AgentFunctions:KeyVault:Uri"] = FakeKeyVault.VaultUri.ToString(), ["AZURE_CLIENT_ID"] = Guid.NewGuid().ToString() })
            .Build());
        using (var provider = configured.BuildServiceProvider())
        {
            Assert.IsType<KeyVaultSecretVault>(provider.GetRequiredService<ISecretVault>());
        }

        using var missing = new ServiceCollection().AddKeyVaultSecretVault(new ConfigurationBuilder().Build()).BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => missing.GetRequiredService<ISecretVault>());
        Assert.Contains("AgentFunctions__KeyVault__Uri", error.Message);
    }
}
