namespace AgentFunctions.Engine.Knowledge;

/// <summary>A retrieved chunk: <see cref="Title"/> is the document's name; heading path and page say where in it.</summary>
public sealed record KnowledgeSnippet(string DocumentId, string ChunkId, string? Title, string Text, double Score,
    IReadOnlyList<string>? HeadingPath = null, int? Page = null);
