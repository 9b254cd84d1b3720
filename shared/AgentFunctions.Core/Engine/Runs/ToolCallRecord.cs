namespace AgentFunctions.Engine.Runs;

/// <summary>A tool call as the run reports it: what was asked, what happened, and a preview of the result.</summary>
public sealed record ToolCallRecord(
    string CallId,
    string Tool,
    string ArgumentsJson,
    ToolCallOutcome Outcome,
    string? Result,
    string? Error,
    int Attempts,
    double DurationMs,
    string? ChildRunId = null);
