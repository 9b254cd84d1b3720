using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using BenchmarkDotNet.Attributes;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// Point reads on one thread against 10,000 stored records: raw <see cref="ITenantDocuments.ReadAsync"/> (bytes and
/// ETag) and typed <see cref="TypedDocuments.GetAsync{T}"/> (plus JSON deserialisation). One operation = one read.
/// </summary>
[Config(typeof(StoreBenchmarkConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class FileDocumentStoreReadBenchmarks
{
    private const int Records = 10_000;
    private const int ReadsPerInvocation = 10_000;
    private static readonly TenantId Tenant = new("bench");
    private readonly string[] ids = Enumerable.Range(0, Records).Select(i => $"doc_{i:D6}").ToArray();
    private string directory = string.Empty;
    private FileDocumentStore store = null!;
    private ITenantDocuments documents = null!;

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "af-bench-reads-" + Guid.NewGuid().ToString("N"));
        store = new FileDocumentStore(directory);
        documents = store.For(Tenant);
        for (var batch = 0; batch < Records / 100; batch++)
        {
            var writes = Enumerable.Range(batch * 100, 100)
                .Select(i => TypedDocuments.Write(DocumentWriteMode.Create, documents, BenchDocument.Create(Tenant, i, 1)))
                .ToList();
            documents.CommitAsync(writes).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvocation)]
    public async Task<int> RawPointReads()
    {
        var found = 0;
        for (var i = 0; i < ReadsPerInvocation; i++)
        {
            if (await documents.ReadAsync(BenchDocument.Kind, ids[(i * 7919) % Records]) is not null) found++;
        }
        return found;
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvocation)]
    public async Task<int> TypedPointReads()
    {
        var found = 0;
        for (var i = 0; i < ReadsPerInvocation; i++)
        {
            if (await documents.GetAsync<BenchDocument>(ids[(i * 7919) % Records]) is not null) found++;
        }
        return found;
    }
}
