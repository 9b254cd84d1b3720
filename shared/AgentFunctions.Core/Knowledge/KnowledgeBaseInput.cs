namespace AgentFunctions.Knowledge;

/// <summary>The body of <c>POST /api/v1/knowledge-bases</c>.</summary>
public sealed record KnowledgeBaseInput(string? Name, string? Description = null, int? ChunkTokens = null, int? OverlapTokens = null);
