namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// Chunk size and overlap in o200k tokens, and the embedder's own window (<paramref name="WindowTokens"/> counted by
/// <paramref name="CountWindowTokens"/>, word pieces for MiniLM) that every chunk's embedding text must fit.
/// </summary>
public sealed record ChunkingOptions(int ChunkTokens, int OverlapTokens, int WindowTokens, Func<string, int> CountWindowTokens);
