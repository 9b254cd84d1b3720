namespace AgentFunctions.Storage;

/// <summary>A typed document and the ETag it was read or written with.</summary>
public sealed record Versioned<T>(T Value, string ETag);
