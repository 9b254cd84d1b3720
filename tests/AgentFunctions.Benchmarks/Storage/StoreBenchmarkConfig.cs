using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>Adds an operations-per-second column, the figure the store's targets are stated in.</summary>
public sealed class StoreBenchmarkConfig : ManualConfig
{
    public StoreBenchmarkConfig()
    {
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
