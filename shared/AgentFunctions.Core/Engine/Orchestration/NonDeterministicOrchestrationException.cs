namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// Replay diverged from history: the orchestration asked for a different operation (or input) than the one recorded
/// at that position. The instance fails with this message instead of silently running effects twice.
/// </summary>
public sealed class NonDeterministicOrchestrationException(string instanceId, int position, string expected, string actual)
    : Exception($"Orchestration '{instanceId}' is not deterministic: at operation {position} history has {expected} but the code asked for {actual}.")
{
    public string InstanceId { get; } = instanceId;

    public int Position { get; } = position;
}
