namespace AgentFunctions.Knowledge;

/// <summary>One chunk as the index stores it; <see cref="ContentHash"/> lets a later ingestion reuse its vector.</summary>
public sealed record IndexedChunk(
    string ChunkId,
    string DocumentId,
    string DocumentName,
    int Ordinal,
    string Content,
    string ContentHash,
    ChunkCitation Citation,
    float[] Vector);
