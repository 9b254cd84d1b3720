namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// Chunk size and overlap in o200k tokens, and the embedder's own window (<paramref name="WindowTokens"/> counted by
/// <paramref name="CountWindowTokens"/>, word pieces for MiniLM) that every chunk's embedding text must fit.
/// <see cref="WindowParts"/>, when the embedder's count adds up over parts, lets the chunker count each part once.
/// </summary>
public sealed record ChunkingOptions(int ChunkTokens, int OverlapTokens, int WindowTokens, Func<string, int> CountWindowTokens)
{
    public IAdditiveTokenCount? WindowParts { get; init; }

    /// <summary>Chunking for <paramref name="embedder"/>: its window, its count, and its count by parts when it has one.</summary>
    public static ChunkingOptions For(int chunkTokens, int overlapTokens, ITextEmbedder embedder) =>
        new(chunkTokens, overlapTokens, embedder.MaxInputTokens, embedder.CountInputTokens) { WindowParts = embedder as IAdditiveTokenCount };
}
