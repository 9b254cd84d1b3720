using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Tests.Support;
using Azure.Security.KeyVault.Secrets;

namespace AgentFunctions.Tests.Credentials;

/// <summary>What the Key Vault adapter sends over the SDK boundary: names, tags, content types, values.</summary>
public sealed class KeyVaultSecretVaultTests
{
    private readonly FakeKeyVault keyVault = new();

    private KeyVaultSecretVault CreateSut() => new(keyVault.Client.Object);

    [Fact]
    public async Task SetAsync_PersonalCredential_SendsEscapedNameTenantAndUserTagsAndJsonValue()
    {
        var id = Credential.NewId();
        var json = $$"""{"refresh_token":"{{SecretRegistry.New("kv-gmail")}}"}""";
        var version = await CreateSut().SetAsync(new SecretLocator(new TenantId("ten_Acme"), id, "usr_42"), Encoding.UTF8.GetBytes(json));

        var sent = Assert.Single(keyVault.Sent);
        Assert.Equal("cred-ten-0-acme--" + id[5..], sent.Name);
        Assert.Equal(json, sent.Value);
        Assert.Equal("application/json", sent.Properties.ContentType);
        Assert.Equal(new Dictionary<string, string>
        {
            ["tenant_id"] = "ten_Acme",
            ["credential_id"] = id,
            ["user_id"] = "usr_42",
            ["managed_by"] = "agentfunctions",
        }, sent.Properties.Tags.OrderBy(t => t.Key).ToDictionary());
        Assert.Equal(keyVault.VersionsOf(sent.Name).Single().Properties.Version, version);
    }

    [Fact]
    public async Task SetAsync_TenantCredential_SendsNoUserTag()
    {
        await CreateSut().SetAsync(new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null), "{}"u8.ToArray());
        var sent = Assert.Single(keyVault.Sent);
        Assert.False(sent.Properties.Tags.ContainsKey("user_id"));
        Assert.Equal("ten_acme", sent.Properties.Tags["tenant_id"]);
    }

    [Fact]
    public async Task SetAsync_ValueOverKeyVaultLimit_SendsItCompressedUnderTheLimit()
    {
        var json = $$"""{"blob":"{{string.Concat(Enumerable.Repeat("abcdefgh", 8000))}}"}""";
        var locator = new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null);
        var sut = CreateSut();
        var version = await sut.SetAsync(locator, Encoding.UTF8.GetBytes(json));

        var sent = Assert.Single(keyVault.Sent);
        Assert.Equal(KeyVaultSecretVault.CompressedContentType, sent.Properties.ContentType);
        Assert.True(sent.Value.Length <= KeyVaultSecretVault.MaxValueLength);
        Assert.Equal(json, Encoding.UTF8.GetString((await sut.GetAsync(locator, version))!));
    }

    [Fact]
    public async Task SetAsync_IncompressibleValueOverLimit_ThrowsTooLargeAndSendsNothing()
    {
        var noise = Convert.ToBase64String(RandomNumberGenerator.GetBytes(40_000));
        var locator = new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null);
        await Assert.ThrowsAsync<SecretTooLargeException>(() => CreateSut().SetAsync(locator, Encoding.UTF8.GetBytes($$"""{"k":"{{noise}}"}""")));
        Assert.Empty(keyVault.Sent);
    }

    [Fact]
    public async Task RetireVersionAsync_DisablesExactlyThatVersion()
    {
        var locator = new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null);
        var sut = CreateSut();
        var v1 = await sut.SetAsync(locator, "{\"a\":1}"u8.ToArray());
        var v2 = await sut.SetAsync(locator, "{\"a\":2}"u8.ToArray());

        await sut.RetireVersionAsync(locator, v1);

        var update = Assert.Single(keyVault.Updates);
        Assert.Equal(KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId), update.Name);
        Assert.Equal(v1, update.Version);
        Assert.False(update.Enabled);
        Assert.Null(await sut.GetAsync(locator, v1));
        Assert.NotNull(await sut.GetAsync(locator, v2));
    }

    [Fact]
    public async Task DeleteAsync_StartsDeleteOfTheCredentialsName()
    {
        var locator = new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null);
        var sut = CreateSut();
        await sut.SetAsync(locator, "{}"u8.ToArray());
        await sut.DeleteAsync(locator);
        Assert.Equal([KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId)], keyVault.Deletes);
    }

    [Fact]
    public async Task GetAsync_SecretWhoseTenantTagDisagrees_ThrowsInsteadOfReturningIt()
    {
        var locator = new SecretLocator(new TenantId("ten_acme"), Credential.NewId(), null);
        var planted = new KeyVaultSecret(KeyVaultSecretNames.For(locator.Tenant, locator.CredentialId), "{}");
        planted.Properties.Tags["tenant_id"] = "ten_other";
        var version = (await keyVault.Client.Object.SetSecretAsync(planted)).Value.Properties.Version;
        await Assert.ThrowsAsync<SecretVaultException>(() => CreateSut().GetAsync(locator, version));
    }
}
