namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// Starts, signals, stops and reads orchestration instances: <c>DurableTaskClient</c> in Azure, the local runner here.
/// </summary>
public interface IOrchestrationClient
{
    /// <summary>Schedules a new instance; durable when the task completes. Starting an existing id again is a no-op.</summary>
    Task StartAsync<TInput>(string orchestrationName, string instanceId, TInput input, CancellationToken cancellationToken = default);

    /// <summary>Delivers an event durably; an instance waiting for it resumes.</summary>
    Task RaiseEventAsync<TPayload>(string instanceId, string eventName, TPayload payload, CancellationToken cancellationToken = default);

    /// <summary>Stops an instance at its next await; it ends as <see cref="OrchestrationRuntimeStatus.Terminated"/>.</summary>
    Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes the instances and their history, terminating any still running first; returns how many were removed.
    /// Unknown ids are skipped. Sub-orchestrations go too where the backend can recurse (the local runner does; Durable
    /// is asked to), and callers name them anyway: a child run is a run record of its own. For deletion and retention.
    /// </summary>
    Task<int> PurgeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default);

    Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Returns when the instance reaches a terminal status or <paramref name="maxWait"/> has passed, with its state then.</summary>
    Task<OrchestrationState?> WaitForCompletionAsync(string instanceId, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns when the instance's state differs from <paramref name="known"/> (new custom status or a terminal status),
    /// or when <paramref name="maxWait"/> has passed, with the state at that moment.
    /// </summary>
    Task<OrchestrationState?> WaitForChangeAsync(string instanceId, OrchestrationState? known, TimeSpan maxWait, CancellationToken cancellationToken = default);
}
