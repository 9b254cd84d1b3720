using System.Net;
using AgentFunctions.Api.Tools;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Tools;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Benchmarks.Tools;

/// <summary>
/// Cost of one tool call through the executor with no network: registry lookup on the local file store, rate limit,
/// timeout, redaction and the structured log (to a null logger). Plus the guard's per-address check.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class ToolExecutorBench
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-bench-tools-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider provider = null!;
    private FileDocumentStore store = null!;
    private IToolExecutor executor = null!;
    private ToolInvocation invocation = null!;
    private static readonly IPAddress[] Addresses = new[] { "8.8.8.8", "10.0.0.1", "::ffff:127.0.0.1", "fd00:ec2::254", "2606:4700:4700::1111" }.Select(IPAddress.Parse).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        store = new FileDocumentStore(directory);
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders());
        services.AddSingleton<IDocumentStore>(store);
        services.AddSingleton<ICredentialAccess>(new NoCredentials());
        services.AddToolExecution();
        provider = services.BuildServiceProvider();
        executor = provider.GetRequiredService<IToolExecutor>();
        invocation = new ToolInvocation(new TenantId("ten_bench"), "run_1", "agt_1", "usr_1", BuiltinToolNames.CurrentTime, """{"timezone":"Europe/Paris"}""", "call_1");
    }

    [Benchmark]
    public Task<ToolResult> BuiltinCurrentTime() => executor.ExecuteAsync(invocation);

    [Benchmark(OperationsPerInvoke = 5)]
    public int GuardCheck()
    {
        var refused = 0;
        foreach (var address in Addresses)
        {
            if (NetworkGuard.Refusal(address, "bench.example", PrivateNetworkAllowlist.None) is not null) refused++;
        }
        return refused;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        provider.Dispose();
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private sealed class NoCredentials : ICredentialAccess
    {
        public Task<CredentialSecret> UseAsync(CredentialUseRequest request, CancellationToken cancellationToken = default) =>
            throw new CredentialUseRefusedException(request.CredentialId, "no credentials in the benchmark");
    }
}
