using System.Text;
using AgentFunctions.Access;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Hosting;

public sealed class PlatformKeySeederTests : IDisposable
{
    private const string Secret = "pk-0123456789abcdefghijKLMNOP";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-seed-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;

    public PlatformKeySeederTests()
    {
        store = new FileDocumentStore(directory);
    }

    public void Dispose()
    {
        store.Dispose();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("afp." + Secret)]
    [InlineData(Secret)]
    [InlineData("  afp." + Secret + "\n")]
    public async Task SeedAsync_KeyOrBareSecretInSetting_AuthenticatorAcceptsPlatformKey(string setting)
    {
        Assert.True(await Seeder(setting).SeedAsync());

        var caller = await new KeyAuthenticator(store, TimeProvider.System).AuthenticateAsync("afp." + Secret);

        Assert.NotNull(caller);
        Assert.True(caller!.IsPlatform);
        Assert.Equal(TenantId.Platform, caller.Tenant);
    }

    [Fact]
    public async Task SeedAsync_Always_StoresOnlyTheSha256OfTheSecret()
    {
        await Seeder("afp." + Secret).SeedAsync();

        var stored = await store.For(TenantId.Platform).ReadAsync(PlatformKey.Kind, PlatformKey.SingletonId);

        Assert.NotNull(stored);
        var json = Encoding.UTF8.GetString(stored!.Json.Span);
        Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
        Assert.Contains(ApiKeyToken.Hash(Secret), json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedAsync_SecretRotated_OldKeyRejectedAndNewKeyAccepted()
    {
        const string rotated = "pk-rotated-9876543210zyxwvut";
        await Seeder(Secret).SeedAsync();

        await Seeder(rotated).SeedAsync();

        var authenticator = new KeyAuthenticator(store, TimeProvider.System);
        Assert.Null(await authenticator.AuthenticateAsync("afp." + Secret));
        Assert.NotNull(await authenticator.AuthenticateAsync("afp." + rotated));
    }

    [Fact]
    public async Task SeedAsync_SameSecretOnRestart_LeavesRecordUntouched()
    {
        await Seeder(Secret).SeedAsync();
        var first = await store.For(TenantId.Platform).GetAsync<PlatformKey>(PlatformKey.SingletonId);

        Assert.True(await Seeder(Secret).SeedAsync());

        var second = await store.For(TenantId.Platform).GetAsync<PlatformKey>(PlatformKey.SingletonId);
        Assert.Equal(first!.ETag, second!.ETag);
        Assert.Equal(first.Value.CreatedAt, second.Value.CreatedAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("afp.short")]
    [InlineData("tooshort")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-abc;SecretName=platform-key)")]
    public async Task SeedAsync_MissingOrShortSetting_WritesNothing(string? setting)
    {
        Assert.False(await Seeder(setting).SeedAsync());

        Assert.Null(await store.For(TenantId.Platform).ReadAsync(PlatformKey.Kind, PlatformKey.SingletonId));
    }

    private PlatformKeySeeder Seeder(string? setting)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PlatformKeySeeder.SettingName] = setting })
            .Build();
        return new PlatformKeySeeder(configuration, store, TimeProvider.System, NullLogger<PlatformKeySeeder>.Instance);
    }
}
