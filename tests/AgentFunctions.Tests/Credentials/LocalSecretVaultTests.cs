using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Credentials;

/// <summary>The local vault's cryptography and key handling, beyond the shared contract.</summary>
public sealed class LocalSecretVaultTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-vault-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private LocalSecretVault CreateSut(VaultKeyring? keyring = null) =>
        new(directory, keyring ?? VaultKeyring.Load(directory, null, null), TimeProvider.System);

    private List<VaultSecretRecord> ReadRecords(TenantId tenant)
    {
        using var store = new FileDocumentStore(Path.Combine(directory, "secrets"));
        return store.For(tenant).ListAsync<VaultSecretRecord>().GetAwaiter().GetResult().Select(v => v.Value).ToList();
    }

    private void WriteRecord(VaultSecretRecord record)
    {
        using var store = new FileDocumentStore(Path.Combine(directory, "secrets"));
        store.For(record.TenantId).UpsertAsync(record).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task SetAsync_SameValueTwice_StoresNoPlaintextAndUsesAFreshNonceEachTime()
    {
        var tenant = new TenantId("ten_local");
        var secret = SecretRegistry.New("local-plain");
        var value = Encoding.UTF8.GetBytes($$"""{"token":"{{secret}}"}""");
        string currentKey;
        using (var vault = CreateSut())
        {
            currentKey = vault.Keyring.CurrentKeyId;
            await vault.SetAsync(new SecretLocator(tenant, Credential.NewId(), null), value);
            await vault.SetAsync(new SecretLocator(tenant, Credential.NewId(), null), value);
        }

        var records = ReadRecords(tenant);
        Assert.Equal(2, records.Count);
        Assert.NotEqual(records[0].Nonce, records[1].Nonce);
        Assert.NotEqual(records[0].Ciphertext, records[1].Ciphertext);
        Assert.All(records, r => Assert.Equal(12, r.Nonce.Length));
        Assert.All(records, r => Assert.Equal(currentKey, r.KeyId));
        var onDisk = Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        Assert.DoesNotContain(onDisk, bytes => Encoding.UTF8.GetString(bytes).Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_RecordCopiedToAnotherCredentialOrTenant_FailsAuthentication()
    {
        var tenant = new TenantId("ten_local");
        var source = new SecretLocator(tenant, Credential.NewId(), null);
        string version;
        using (var vault = CreateSut())
        {
            version = await vault.SetAsync(source, Encoding.UTF8.GetBytes($$"""{"t":"{{SecretRegistry.New("local-moved")}}"}"""));
        }
        var original = ReadRecords(tenant).Single();
        var otherCredential = Credential.NewId();
        WriteRecord(original with { Id = VaultSecretRecord.IdFor(otherCredential, version), CredentialId = otherCredential });
        var otherTenant = new TenantId("ten_thief");
        WriteRecord(original with { TenantId = otherTenant });

        using var reopened = CreateSut();
        Assert.NotNull(await reopened.GetAsync(source, version));
        await Assert.ThrowsAsync<SecretVaultException>(() => reopened.GetAsync(new SecretLocator(tenant, otherCredential, null), version));
        await Assert.ThrowsAsync<SecretVaultException>(() => reopened.GetAsync(new SecretLocator(otherTenant, source.CredentialId, null), version));
    }

    [Fact]
    public async Task GetAsync_TamperedCiphertext_ThrowsWithoutReturningData()
    {
        var tenant = new TenantId("ten_local");
        var locator = new SecretLocator(tenant, Credential.NewId(), null);
        string version;
        using (var vault = CreateSut())
        {
            version = await vault.SetAsync(locator, Encoding.UTF8.GetBytes("""{"password":"hunter2-but-longer"}"""));
        }
        var record = ReadRecords(tenant).Single();
        var flipped = record.Ciphertext.ToArray();
        flipped[3] ^= 0x01;
        WriteRecord(record with { Ciphertext = flipped });

        using var reopened = CreateSut();
        await Assert.ThrowsAsync<SecretVaultException>(() => reopened.GetAsync(locator, version));
    }

    [Fact]
    public async Task Rotation_OldRecordsReadWithPreviousKey_NewWritesUseCurrentKey_DroppedKeyIsExplicit()
    {
        var oldKey = VaultKeyring.NewKey();
        var newKey = VaultKeyring.NewKey();
        var locator = new SecretLocator(new TenantId("ten_local"), Credential.NewId(), null);
        var before = Encoding.UTF8.GetBytes("""{"token":"sealed-with-old-key"}""");
        var after = Encoding.UTF8.GetBytes("""{"token":"sealed-with-new-key"}""");
        string v1, v2;
        using (var vault = CreateSut(new VaultKeyring(oldKey)))
        {
            v1 = await vault.SetAsync(locator, before);
        }
        using (var vault = CreateSut(new VaultKeyring(newKey, [oldKey])))
        {
            Assert.Equal(before, await vault.GetAsync(locator, v1));
            v2 = await vault.SetAsync(locator, after);
        }
        var records = ReadRecords(locator.Tenant).ToDictionary(r => r.Version);
        Assert.Equal(VaultKeyring.IdOf(oldKey), records[v1].KeyId);
        Assert.Equal(VaultKeyring.IdOf(newKey), records[v2].KeyId);

        using var withoutOld = CreateSut(new VaultKeyring(newKey));
        Assert.Equal(after, await withoutOld.GetAsync(locator, v2));
        var error = await Assert.ThrowsAsync<SecretVaultException>(() => withoutOld.GetAsync(locator, v1));
        Assert.Contains(VaultKeyring.IdOf(oldKey), error.Message);
    }

    [Fact]
    public void Load_NoEnvironmentKey_CreatesOwnerOnlyKeyFileOnceAndReusesIt()
    {
        var first = VaultKeyring.Load(directory, null, null);
        var path = Path.Combine(directory, VaultKeyring.KeyFileName);
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        var second = VaultKeyring.Load(directory, null, null);
        Assert.Equal(first.CurrentKeyId, second.CurrentKeyId);
        Assert.Equal("key file", second.Source);
    }

    [Fact]
    public void Load_KeyFileReadableByOthers_RefusesToStart()
    {
        if (OperatingSystem.IsWindows()) return;
        VaultKeyring.Load(directory, null, null);
        File.SetUnixFileMode(Path.Combine(directory, VaultKeyring.KeyFileName), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var error = Assert.Throws<InvalidOperationException>(() => VaultKeyring.Load(directory, null, null));
        Assert.Contains("chmod 600", error.Message);
    }

    [Fact]
    public void Load_KeyFileWithSeveralLines_FirstIsCurrentRestArePrevious()
    {
        Directory.CreateDirectory(directory);
        var current = VaultKeyring.NewKey();
        var previous = VaultKeyring.NewKey();
        var path = Path.Combine(directory, VaultKeyring.KeyFileName);
        File.WriteAllLines(path, ["# rotated", Convert.ToBase64String(current), Convert.ToBase64String(previous)]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var keyring = VaultKeyring.Load(directory, null, null);
        Assert.Equal(VaultKeyring.IdOf(current), keyring.CurrentKeyId);
        Assert.Contains(VaultKeyring.IdOf(previous), keyring.KeyIds);
    }

    [Fact]
    public void Load_EnvironmentKey_WinsOverKeyFileAndCreatesNoFile()
    {
        var key = VaultKeyring.NewKey();
        var previous = VaultKeyring.NewKey();
        var keyring = VaultKeyring.Load(directory, Convert.ToBase64String(key), Convert.ToBase64String(previous));
        Assert.Equal(VaultKeyring.IdOf(key), keyring.CurrentKeyId);
        Assert.Contains(VaultKeyring.IdOf(previous), keyring.KeyIds);
        Assert.Equal("environment", keyring.Source);
        Assert.False(File.Exists(Path.Combine(directory, VaultKeyring.KeyFileName)));
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQ=")]
    public void Load_BadEnvironmentKey_FailsClearlyWithoutEchoingIt(string bad)
    {
        var error = Assert.Throws<InvalidOperationException>(() => VaultKeyring.Load(directory, bad, null));
        Assert.Contains(VaultKeyring.KeyVariable, error.Message);
        Assert.DoesNotContain(bad, error.Message);
    }
}
