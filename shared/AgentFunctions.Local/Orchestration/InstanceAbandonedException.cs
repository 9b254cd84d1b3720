namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// The runner stopped (host shutdown, or the journal could not be written): the instance is left exactly as its
/// journal says, to be resumed by the next runner. Nothing about it is recorded as failed.
/// </summary>
internal sealed class InstanceAbandonedException(string instanceId, Exception? cause = null)
    : Exception($"Orchestration '{instanceId}' was abandoned by a stopping runner.", cause);
