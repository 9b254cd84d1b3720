namespace AgentFunctions.Engine.Orchestration;

/// <summary>The runtime status of an instance, mirroring Durable Functions' names.</summary>
public enum OrchestrationRuntimeStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
}
