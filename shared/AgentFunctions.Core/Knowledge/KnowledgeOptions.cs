namespace AgentFunctions.Knowledge;

/// <summary>Limits and defaults of knowledge bases. The chunk defaults are explained in the README (Knowledge bases).</summary>
public sealed record KnowledgeOptions
{
    /// <summary>Largest file accepted by an upload.</summary>
    public long MaxDocumentBytes { get; init; } = 20 * 1024 * 1024;

    public int DefaultChunkTokens { get; init; } = 160;

    public int DefaultOverlapTokens { get; init; } = 24;

    public int MaxChunkTokens { get; init; } = 512;

    public int MaxTopK { get; init; } = 50;

    public int DefaultTopK { get; init; } = 5;

    /// <summary>Chunks embedded per model call.</summary>
    public int EmbeddingBatch { get; init; } = 32;
}
