namespace AgentFunctions.Knowledge;

/// <summary>One retrieved chunk, as the query routes answer it and as the agent sees it.</summary>
public sealed record KnowledgeHit(string ChunkId, string DocumentId, string DocumentName, string Content, double Score, ChunkCitation Citation);
