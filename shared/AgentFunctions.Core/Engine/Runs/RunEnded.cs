namespace AgentFunctions.Engine.Runs;

/// <summary>The data of a stream's final <c>end</c> event.</summary>
public sealed record RunEnded(string RunId, RunStatus Status, string? Answer, string? Reason, RunUsage Usage);
