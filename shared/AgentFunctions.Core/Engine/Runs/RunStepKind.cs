namespace AgentFunctions.Engine.Runs;

public enum RunStepKind
{
    ModelCall,
    ToolCall,
    ToolRefused,
    ApprovalRequested,
    ApprovalGranted,
    ApprovalRejected,
    ApprovalTimedOut,
    Finished,
}
