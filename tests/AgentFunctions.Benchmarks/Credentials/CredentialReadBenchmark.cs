using System.Diagnostics;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks.Credentials;

/// <summary>
/// A local credential read as the API does it: authenticate the API key (hash + two point reads), check the tenant and
/// the caller's access, decrypt with AES-256-GCM, write the audit record durably (fsync, group commit), parse the JSON.
/// <see cref="ConcurrentReads"/> runs <see cref="Concurrency"/> reads at once per invocation; BenchmarkDotNet reports the
/// time per read. <see cref="Sustained"/> (in GlobalCleanup) then runs the same read in a closed loop from
/// <see cref="Concurrency"/> workers for a few seconds and prints throughput and p50/p99 latency per read.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class CredentialReadBenchmark
{
    private string directory = null!;
    private FileDocumentStore store = null!;
    private LocalSecretVault vault = null!;
    private KeyAuthenticator authenticator = null!;
    private CredentialService service = null!;
    private string key = null!;
    private string userId = null!;
    private string credentialId = null!;
    private TenantId tenant;

    [Params(64)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "af-bench-cred-" + Guid.NewGuid().ToString("N"));
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        vault = new LocalSecretVault(Path.Combine(directory, "vault"), new VaultKeyring(VaultKeyring.NewKey()), TimeProvider.System);
        authenticator = new KeyAuthenticator(store, TimeProvider.System);
        service = new CredentialService(store, vault, TimeProvider.System, NullLogger<CredentialService>.Instance);

        tenant = new TenantId("ten_bench");
        var now = DateTimeOffset.UtcNow;
        var documents = store.For(tenant);
        userId = "usr_bench";
        documents.CreateAsync(new Tenant(tenant.Value, tenant, "Bench", "free", null, "team_bench", now)).GetAwaiter().GetResult();
        documents.CreateAsync(new User(userId, tenant, "bench@example.test", null, Role.Operator, ["team_bench"], false, now)).GetAwaiter().GetResult();
        var token = ApiKeyToken.Issue(tenant);
        documents.CreateAsync(new ApiKey(token.KeyId, tenant, userId, "bench", token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), null, now, null, null)).GetAwaiter().GetResult();
        key = token.ToString();

        var caller = authenticator.AuthenticateAsync(key).AsTask().GetAwaiter().GetResult()!;
        var secret = System.Text.Json.JsonDocument.Parse("""{"refresh_token":"1//bench-refresh-token-0123456789abcdef","client_id":"bench.apps.googleusercontent.com","scopes":["gmail.readonly","gmail.send"]}""").RootElement.Clone();
        credentialId = service.CreateAsync(caller, tenant.Value, new CreateCredentialRequest(userId, new() { ["system"] = "gmail" }, secret)).GetAwaiter().GetResult().CredentialId;
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public async Task ConcurrentReads()
    {
        var reads = new Task[Concurrency];
        for (var i = 0; i < reads.Length; i++) reads[i] = Task.Run(ReadOnceAsync);
        await Task.WhenAll(reads);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sustained(TimeSpan.FromSeconds(5));
        vault.Dispose();
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task ReadOnceAsync()
    {
        var caller = await authenticator.AuthenticateAsync(key) ?? throw new InvalidOperationException("key refused");
        var view = await service.ReadAsync(caller, tenant.Value, credentialId, userId);
        if (view.Credentials is null) throw new InvalidOperationException("no secret");
    }

    private void Sustained(TimeSpan duration)
    {
        var latencies = new List<long>[Concurrency];
        var stop = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<long>(1 << 16);
            while (stop.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await ReadOnceAsync();
                mine.Add(Stopwatch.GetTimestamp() - start);
            }
        })).ToArray();
        Task.WaitAll(workers);
        var elapsed = stop.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Ms(double p) => all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine($"// CREDENTIAL-READ sustained: {all.Length} reads by {Concurrency} workers in {elapsed.TotalSeconds:F2} s = {all.Length / elapsed.TotalSeconds:F0} reads/s; " +
            $"latency p50 {Ms(0.50):F3} ms, p99 {Ms(0.99):F3} ms, max {Ms(1.0):F3} ms");
    }
}
