using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The floor under every durable commit on this machine: append one ~300-byte record and fsync it, nothing else.
/// 1 / this time is what a store without group commit could reach at best.
/// </summary>
[Config(typeof(StoreBenchmarkConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class LogFsyncBenchmarks
{
    private readonly byte[] record = new byte[300];
    private string path = string.Empty;
    private SafeFileHandle file = null!;
    private long offset;

    [GlobalSetup]
    public void Setup()
    {
        path = Path.Combine(Path.GetTempPath(), "af-bench-fsync-" + Guid.NewGuid().ToString("N"));
        file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        file.Dispose();
        File.Delete(path);
    }

    [Benchmark]
    public void AppendAndFsync()
    {
        RandomAccess.Write(file, record, offset);
        offset += record.Length;
        RandomAccess.FlushToDisk(file);
    }
}
