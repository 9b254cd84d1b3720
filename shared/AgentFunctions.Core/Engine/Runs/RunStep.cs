using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

/// <summary>One observable step of a run, in order. <see cref="Detail"/> is a short preview, never a secret.</summary>
public sealed record RunStep(
    int Index,
    RunStepKind Kind,
    DateTimeOffset At,
    string? Tool = null,
    string? CallId = null,
    string? Detail = null,
    TokenUsage? Usage = null);
