using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// The one contract every <see cref="ISecretVault"/> adapter passes: run by <see cref="LocalSecretVaultContractTests"/>
/// (real AES-GCM vault on a temp folder) and <see cref="KeyVaultSecretVaultContractTests"/> (the Key Vault adapter over a
/// Moq SecretClient that behaves like the service: case-insensitive names, versions, disabled versions, soft delete).
/// </summary>
public abstract class SecretVaultContract : IDisposable
{
    protected abstract ISecretVault Vault { get; }

    public virtual void Dispose() => GC.SuppressFinalize(this);

    protected static SecretLocator NewLocator(string tenant = "ten_contract", string? user = null) => new(new TenantId(tenant), Credential.NewId(), user);

    protected static byte[] Json(string secret) => Encoding.UTF8.GetBytes($$"""{"token":"{{secret}}"}""");

    [Fact]
    public async Task DeleteTenant_RemovesEverySecretAndVersionOfThatTenant_AndNoOtherTenants()
    {
        var first = NewLocator("ten_doomed");
        var second = NewLocator("ten_doomed", user: "usr_a");
        var other = NewLocator("ten_kept");
        var v1 = await Vault.SetAsync(first, Json(SecretRegistry.New("doomed-1")));
        var v2 = await Vault.SetAsync(first, Json(SecretRegistry.New("doomed-2")));
        var v3 = await Vault.SetAsync(second, Json(SecretRegistry.New("doomed-3")));
        var kept = await Vault.SetAsync(other, Json(SecretRegistry.New("kept")));

        Assert.Equal(2, await Vault.DeleteTenantAsync(new TenantId("ten_doomed")));

        Assert.Null(await Vault.GetAsync(first, v1));
        Assert.Null(await Vault.GetAsync(first, v2));
        Assert.Null(await Vault.GetAsync(second, v3));
        Assert.NotNull(await Vault.GetAsync(other, kept));
        Assert.Equal(0, await Vault.DeleteTenantAsync(new TenantId("ten_doomed")));
    }

    [Fact]
    public async Task Set_ThenGetThatVersion_ReturnsTheSameBytes()
    {
        var locator = NewLocator(user: "usr_a");
        var value = Json(SecretRegistry.New("contract-roundtrip"));
        var version = await Vault.SetAsync(locator, value);
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal(value, await Vault.GetAsync(locator, version));
    }

    [Fact]
    public async Task Get_AbsentSecretOrVersion_ReturnsNull()
    {
        var locator = NewLocator();
        Assert.Null(await Vault.GetAsync(locator, "v_nothing"));
        var version = await Vault.SetAsync(locator, Json(SecretRegistry.New("contract-absent")));
        Assert.NotNull(await Vault.GetAsync(locator, version));
        Assert.Null(await Vault.GetAsync(locator, version + "x"));
    }

    [Fact]
    public async Task Set_Twice_MakesTwoVersionsBothReadableUntilRetired()
    {
        var locator = NewLocator();
        var first = Json(SecretRegistry.New("contract-v1"));
        var second = Json(SecretRegistry.New("contract-v2"));
        var v1 = await Vault.SetAsync(locator, first);
        var v2 = await Vault.SetAsync(locator, second);
        Assert.NotEqual(v1, v2);
        Assert.Equal(first, await Vault.GetAsync(locator, v1));
        Assert.Equal(second, await Vault.GetAsync(locator, v2));

        await Vault.RetireVersionAsync(locator, v1);
        await Vault.RetireVersionAsync(locator, v1);
        Assert.Null(await Vault.GetAsync(locator, v1));
        Assert.Equal(second, await Vault.GetAsync(locator, v2));
    }

    [Fact]
    public async Task Delete_RemovesEveryVersion_AndIsIdempotent()
    {
        var locator = NewLocator();
        var v1 = await Vault.SetAsync(locator, Json(SecretRegistry.New("contract-del1")));
        var v2 = await Vault.SetAsync(locator, Json(SecretRegistry.New("contract-del2")));
        await Vault.DeleteAsync(locator);
        await Vault.DeleteAsync(locator);
        Assert.Null(await Vault.GetAsync(locator, v1));
        Assert.Null(await Vault.GetAsync(locator, v2));
        await Vault.DeleteAsync(NewLocator());
    }

    [Fact]
    public async Task SameCredentialId_InTenantsDifferingOnlyInCase_NeverSeeEachOther()
    {
        var id = Credential.NewId();
        var upper = new SecretLocator(new TenantId("ten_ACME"), id, null);
        var lower = new SecretLocator(new TenantId("ten_acme"), id, null);
        var upperValue = Json(SecretRegistry.New("contract-upper"));
        var lowerValue = Json(SecretRegistry.New("contract-lower"));
        var vu = await Vault.SetAsync(upper, upperValue);
        var vl = await Vault.SetAsync(lower, lowerValue);

        Assert.Equal(upperValue, await Vault.GetAsync(upper, vu));
        Assert.Equal(lowerValue, await Vault.GetAsync(lower, vl));
        await Vault.DeleteAsync(lower);
        Assert.Equal(upperValue, await Vault.GetAsync(upper, vu));
        Assert.Null(await Vault.GetAsync(lower, vl));
    }

    [Fact]
    public async Task Set_LargestCredential_RoundTrips()
    {
        // 64 KiB of JSON, as the API allows: repetitive text, which every adapter can hold (Key Vault after compression).
        var locator = NewLocator();
        var filler = string.Concat(Enumerable.Repeat("scope:read ", 64 * 1024 / 11));
        var value = Encoding.UTF8.GetBytes($$"""{"scopes":"{{filler}}"}""")[..];
        var version = await Vault.SetAsync(locator, value);
        Assert.Equal(value, await Vault.GetAsync(locator, version));
    }

    [Fact]
    public async Task Set_BinaryUnicodeAndEscapes_RoundTripExactly()
    {
        var locator = NewLocator();
        var value = Encoding.UTF8.GetBytes("""{"password":"p\u00e4ss \"w\u00f6rd\" \ud83d\udd11","n":1}""");
        var version = await Vault.SetAsync(locator, value);
        Assert.Equal(value, await Vault.GetAsync(locator, version));
        Assert.Equal(SHA256.HashData(value), SHA256.HashData((await Vault.GetAsync(locator, version))!));
    }
}
