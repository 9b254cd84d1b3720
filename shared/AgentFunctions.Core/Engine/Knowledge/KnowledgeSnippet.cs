namespace AgentFunctions.Engine.Knowledge;

public sealed record KnowledgeSnippet(string DocumentId, string ChunkId, string? Title, string Text, double Score);
