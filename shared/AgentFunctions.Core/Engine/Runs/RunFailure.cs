namespace AgentFunctions.Engine.Runs;

/// <summary>Input of the FailRun activity: close a run whose orchestration failed outside its own handling.</summary>
public sealed record RunFailure(AgentRunInput Run, string Reason);
