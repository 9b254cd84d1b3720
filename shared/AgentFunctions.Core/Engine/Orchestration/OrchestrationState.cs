namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// An instance as a client sees it. <see cref="Version"/> grows with every change the client could observe, so a
/// watcher can tell "nothing new" from "new progress" without comparing payloads.
/// </summary>
public sealed record OrchestrationState(
    string InstanceId,
    OrchestrationRuntimeStatus Status,
    string? SerializedCustomStatus,
    string? SerializedOutput,
    string? FailureMessage,
    long Version)
{
    public bool IsTerminal => Status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
}
