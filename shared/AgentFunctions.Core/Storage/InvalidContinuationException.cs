namespace AgentFunctions.Storage;

/// <summary>A continuation token the adapter did not issue, or issued for another query.</summary>
public sealed class InvalidContinuationException(string message) : Exception(message);
