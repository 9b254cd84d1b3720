using AgentFunctions.Benchmarks.Storage;
using AgentFunctions.Common;
using AgentFunctions.Lifecycle;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks.Lifecycle;

/// <summary>
/// A tenant's export and deletion on the local document store: <see cref="Records"/> records (about 300 bytes of JSON
/// each) in the tenant and as many in a neighbour. Export streams the gzip'd JSON-lines archive to a null stream
/// (one operation = one record); delete removes the tenant page by page and compacts the log (one operation = one
/// record). The allocation column shows what a record costs in memory; nothing is held across pages.
/// </summary>
[Config(typeof(StoreBenchmarkConfig))]
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class TenantLifecycleBenchmarks
{
    public const int Records = 20_000;
    private static readonly TenantId Tenant = new("bench_doomed");
    private static readonly TenantId Neighbour = new("bench_neighbour");
    private string directory = string.Empty;
    private FileDocumentStore store = null!;

    [IterationSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "af-bench-lifecycle-" + Guid.NewGuid().ToString("N"));
        store = new FileDocumentStore(directory);
        foreach (var tenant in new[] { Tenant, Neighbour })
        {
            var documents = store.For(tenant);
            for (var batch = 0; batch < Records / 100; batch++)
            {
                var writes = Enumerable.Range(batch * 100, 100)
                    .Select(i => TypedDocuments.Write(DocumentWriteMode.Create, documents, BenchDocument.Create(tenant, i, 1)))
                    .ToList();
                documents.CommitAsync(writes).GetAwaiter().GetResult();
            }
        }
    }

    [IterationCleanup]
    public void Cleanup()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> ExportTenant()
    {
        var export = new TenantExportService([new DocumentsTenantData(store)], TimeProvider.System, NullLogger<TenantExportService>.Instance);
        var counts = await export.WriteAsync(Tenant, Stream.Null);
        return counts["documents"];
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public Task<long> DeleteTenant() => new DocumentsTenantData(store).DeleteAsync(Tenant, CancellationToken.None);
}
