namespace AgentFunctions.Engine.Runs;

/// <summary>A knowledge chunk the run's model input included.</summary>
public sealed record Citation(string DocumentId, string ChunkId, string? Title, double Score);
