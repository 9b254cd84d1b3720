namespace AgentFunctions.Knowledge;

/// <summary>The answer of the query routes: <c>{ "items": [...] }</c> (ranked, not paged).</summary>
public sealed record KnowledgeHits(IReadOnlyList<KnowledgeHit> Items);
