namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// How an activity touches the world. Before a <see cref="SideEffect"/> activity runs, the local runner makes every
/// earlier history record durable (fsync), so a power loss can repeat at most the one call that was in flight.
/// </summary>
public enum ActivityEffect
{
    /// <summary>Reads, model calls, idempotent writes: safe to run again if its record is lost.</summary>
    Idempotent,

    /// <summary>Changes something outside the platform (a tool call): never run again once recorded.</summary>
    SideEffect,
}
