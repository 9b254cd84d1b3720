namespace AgentFunctions.Knowledge;

/// <summary>A search in one scope. <see cref="Vector"/> is required for vector and hybrid modes.</summary>
public sealed record IndexSearch(IndexScope Scope, string Text, float[]? Vector, int TopK, SearchMode Mode);
