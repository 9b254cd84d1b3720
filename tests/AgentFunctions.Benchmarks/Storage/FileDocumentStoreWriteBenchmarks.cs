using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using BenchmarkDotNet.Attributes;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// Durable writes: <see cref="Writers"/> concurrent callers each commit single-document upserts one after another,
/// awaiting each (so each is fsynced before the next). One operation = one acknowledged durable commit; Op/s is the
/// store's durable write throughput. Writers = 1 shows the cost of an fsync per commit without group commit.
/// </summary>
[Config(typeof(StoreBenchmarkConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class FileDocumentStoreWriteBenchmarks
{
    private const int CommitsPerInvocation = 3200;
    private static readonly TenantId Tenant = new("bench");
    private string directory = string.Empty;
    private FileDocumentStore store = null!;
    private ITenantDocuments documents = null!;
    private int version;

    [Params(1, 32, 64)]
    public int Writers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "af-bench-writes-" + Guid.NewGuid().ToString("N"));
        store = new FileDocumentStore(directory);
        documents = store.For(Tenant);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = CommitsPerInvocation)]
    public Task DurableSingleDocumentCommits()
    {
        var perWriter = CommitsPerInvocation / Writers;
        var round = Interlocked.Increment(ref version);
        return Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                // Upserts over a fixed set of 10,000 ids: the log keeps growing, so compaction is part of the figure.
                await documents.UpsertAsync(BenchDocument.Create(Tenant, (writer * perWriter + i) % 10_000, round));
            }
        })));
    }
}
