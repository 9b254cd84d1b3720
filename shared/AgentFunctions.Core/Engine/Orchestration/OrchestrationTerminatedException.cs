namespace AgentFunctions.Engine.Orchestration;

/// <summary>Thrown into an orchestration at its next operation after a client terminated it.</summary>
public sealed class OrchestrationTerminatedException(string instanceId, string reason)
    : Exception($"Orchestration '{instanceId}' was terminated: {reason}")
{
    public string Reason { get; } = reason;
}
