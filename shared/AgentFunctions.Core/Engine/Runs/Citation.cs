namespace AgentFunctions.Engine.Runs;

/// <summary>A knowledge chunk the run's model input included: document, its name (<see cref="Title"/>), heading path and page.</summary>
public sealed record Citation(string DocumentId, string ChunkId, string? Title, double Score, IReadOnlyList<string>? HeadingPath = null, int? Page = null);
