using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The in-memory vectors of a knowledge base (keyword search is SQLite FTS5's, covered by the index contract).</summary>
public sealed class KnowledgeBaseMemoryTests
{
    /// <summary>Removed chunks leave the vector search at once, also after the compaction that many removals trigger.</summary>
    [Fact]
    public void Memory_RemovedChunksAreNeverFound_BeforeOrAfterCompaction()
    {
        var memory = new KnowledgeBaseMemory();
        var random = new Random(5);
        float[] Vector()
        {
            var v = new float[8];
            for (var i = 0; i < v.Length; i++) v[i] = (float)(random.NextDouble() - 0.5);
            return v;
        }
        for (var row = 1; row <= 3000; row++) memory.Add(new PreparedChunk(row, Vector()));

        for (var row = 1; row <= 600; row++) memory.Remove(row);
        Assert.All(memory.VectorCandidates(Vector(), 100), row => Assert.True(row > 600));

        for (var row = 601; row <= 2400; row++) memory.Remove(row); // more dead than live: compacted
        Assert.Equal(600, memory.Count);
        Assert.Equal(600, memory.VectorCandidates(Vector(), 1000).Count);
        Assert.All(memory.VectorCandidates(Vector(), 1000), row => Assert.True(row > 2400));
    }
}
