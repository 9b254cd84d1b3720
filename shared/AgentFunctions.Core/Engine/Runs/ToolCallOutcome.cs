namespace AgentFunctions.Engine.Runs;

public enum ToolCallOutcome
{
    Succeeded,
    Failed,

    /// <summary>Not in the allowlist or invalid against the tool's input schema: never executed.</summary>
    Refused,

    /// <summary>A person rejected the call.</summary>
    Rejected,

    /// <summary>Needed approval and none came in time: never executed.</summary>
    ApprovalTimedOut,
}
