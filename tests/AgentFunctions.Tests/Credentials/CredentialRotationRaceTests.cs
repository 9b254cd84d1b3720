using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// Two rotations of one credential at once: the metadata is replaced with If-Match, so one wins; the loser's vault version
/// is retired and the metadata never points at a secret its own write did not store.
/// </summary>
public sealed class CredentialRotationRaceTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-race-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;
    private readonly LocalSecretVault localVault;
    private readonly GatedVault vault;
    private readonly CredentialService service;
    private readonly TenantId tenant = new("ten_race");
    private readonly Caller caller;

    public CredentialRotationRaceTests()
    {
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        localVault = new LocalSecretVault(Path.Combine(directory, "vault"), new VaultKeyring(VaultKeyring.NewKey()), TimeProvider.System);
        vault = new GatedVault(localVault);
        service = new CredentialService(store, vault, TimeProvider.System, NullLogger<CredentialService>.Instance);
        store.For(tenant).CreateAsync(new Tenant(tenant.Value, tenant, "Race", "free", null, "team", DateTimeOffset.UtcNow)).GetAwaiter().GetResult();
        caller = new Caller(tenant, "usr_race", Role.Operator, "key_race", ["team"]);
    }

    public void Dispose()
    {
        localVault.Dispose();
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task RotateAsync_TwoAtOnce_OneWinsTheLoserIs412AndItsSecretIsRetired()
    {
        var id = (await service.CreateAsync(caller, tenant.Value, new CreateCredentialRequest(null, null, Secret("v1")))).CredentialId;

        // Rotation A reads the metadata, then stalls inside its vault write; rotation B runs to the end meanwhile.
        var gate = vault.HoldNextSet();
        var slow = service.RotateAsync(caller, tenant.Value, id, null, new RotateCredentialRequest(Secret("from-a")));
        await gate.Entered;
        await service.RotateAsync(caller, tenant.Value, id, null, new RotateCredentialRequest(Secret("from-b")));
        gate.Release();

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => slow);
        var read = await service.ReadAsync(caller, tenant.Value, id, null);
        Assert.Equal("from-b", read.Credentials!.Value.GetProperty("token").GetString());
        Assert.Equal(2, read.Version);
        Assert.Null(await localVault.GetAsync(new SecretLocator(tenant, id, null), gate.Version!));
    }

    private static JsonElement Secret(string value) => JsonDocument.Parse(JsonSerializer.Serialize(new { token = value })).RootElement.Clone();

    private sealed class GatedVault(ISecretVault inner) : ISecretVault
    {
        private Gate? next;

        public Gate HoldNextSet() => next = new Gate();

        public async Task<string> SetAsync(SecretLocator locator, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        {
            var gate = Interlocked.Exchange(ref next, null);
            var version = await inner.SetAsync(locator, value, cancellationToken);
            if (gate is not null)
            {
                gate.Version = version;
                gate.SignalEntered();
                await gate.Released;
            }
            return version;
        }

        public Task<byte[]?> GetAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default) => inner.GetAsync(locator, version, cancellationToken);

        public Task RetireVersionAsync(SecretLocator locator, string version, CancellationToken cancellationToken = default) => inner.RetireVersionAsync(locator, version, cancellationToken);

        public Task DeleteAsync(SecretLocator locator, CancellationToken cancellationToken = default) => inner.DeleteAsync(locator, cancellationToken);

        public Task<long> DeleteTenantAsync(AgentFunctions.Common.TenantId tenant, CancellationToken cancellationToken = default) => inner.DeleteTenantAsync(tenant, cancellationToken);
    }

    private sealed class Gate
    {
        private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Version { get; set; }

        public Task Entered => entered.Task;

        public Task Released => released.Task;

        public void SignalEntered() => entered.TrySetResult();

        public void Release() => released.TrySetResult();
    }
}
