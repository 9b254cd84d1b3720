namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// What a deterministic orchestration may do. Every effect goes through here, so the same code runs on Durable
/// Functions (<c>TaskOrchestrationContext</c>, through the Functions adapter) and on the local replaying runner.
/// Orchestration code must not read the clock, random numbers, the environment or do I/O itself. It may start several
/// operations before awaiting them (fan-out, then <c>Task.WhenAll</c>): each takes its place in the call sequence when
/// it is started, so the code between starting them and the fan-in must not depend on which finishes first.
/// </summary>
public interface IOrchestrationContext
{
    string InstanceId { get; }

    /// <summary>Replay-safe time: the moment the latest history event was recorded.</summary>
    DateTimeOffset CurrentUtcDateTime { get; }

    /// <summary>True while the code is re-executing already recorded history (for replay-safe logging).</summary>
    bool IsReplaying { get; }

    /// <summary>Runs an activity once; on replay the recorded result (or failure, as <see cref="ActivityFailedException"/>) comes back.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input);

    /// <summary>Runs another orchestration as a child with a deterministic instance id and waits for its output.</summary>
    Task<TResult> CallSubOrchestrationAsync<TResult>(string name, string instanceId, object? input);

    /// <summary>Waits for an external event raised on this instance, or for a durable timer of <paramref name="timeout"/>.</summary>
    Task<ExternalEventResult<T>> WaitForExternalEventAsync<T>(string name, TimeSpan timeout);

    /// <summary>Publishes progress readable by clients while the instance runs (Durable's custom status).</summary>
    void SetCustomStatus(object? status);
}
