namespace AgentFunctions.Knowledge;

/// <summary>The body of the two query routes: <c>{ "query": "...", "top_k": 5, "mode": "hybrid" }</c>.</summary>
public sealed record KnowledgeQueryInput(string? Query, int? TopK = null, SearchMode? Mode = null);
