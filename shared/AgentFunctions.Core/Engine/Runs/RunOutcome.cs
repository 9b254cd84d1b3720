namespace AgentFunctions.Engine.Runs;

/// <summary>The orchestration's output (what a parent run gets back for an agent-as-tool call).</summary>
public sealed record RunOutcome(string RunId, RunStatus Status, string? Answer, string? Reason, RunUsage Usage);
