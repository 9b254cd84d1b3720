namespace AgentFunctions.Engine.Runs;

public static class RunStatusExtensions
{
    public static bool IsFinal(this RunStatus status) => status is not (RunStatus.Running or RunStatus.AwaitingApproval);
}
