using System.Text.Json;
using AgentFunctions.Engine.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using DurableStatus = Microsoft.DurableTask.Client.OrchestrationRuntimeStatus;
using PortStatus = AgentFunctions.Engine.Orchestration.OrchestrationRuntimeStatus;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// The orchestration client port over <see cref="DurableTaskClient"/>: the <c>[DurableClient]</c> binding of the function
/// being served (see <see cref="DurableClientBinding"/>), or any client a test host hands out.
/// </summary>
public sealed class DurableOrchestrationClient(Func<DurableTaskClient> clientOf, TimeProvider time, TimeSpan? pollInterval = null) : IOrchestrationClient
{
    public DurableOrchestrationClient(DurableTaskClient client, TimeProvider time, TimeSpan? pollInterval = null)
        : this(() => client, time, pollInterval)
    {
    }

    // Read at each call, not at construction: the Functions worker builds a function's class (and so this client)
    // before the function's own [DurableClient] binding is handed to DurableClientBinding.
    private DurableTaskClient Client => clientOf();

    /// <summary>How often a watcher re-reads an instance (Durable has no change feed for one instance).</summary>
    private readonly TimeSpan pollInterval = pollInterval ?? TimeSpan.FromSeconds(1);

    public async Task StartAsync<TInput>(string orchestrationName, string instanceId, TInput input, CancellationToken cancellationToken = default)
    {
        if (await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null) return;
        await Client.ScheduleNewOrchestrationInstanceAsync(orchestrationName, input, new StartOrchestrationOptions(instanceId), cancellationToken);
    }

    public Task RaiseEventAsync<TPayload>(string instanceId, string eventName, TPayload payload, CancellationToken cancellationToken = default) =>
        Client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    public Task TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default) =>
        Client.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = reason, Recursive = true }, cancellationToken);

    /// <summary>How long a purge waits for a terminated instance to reach its terminal state (Durable purges only those).</summary>
    public static readonly TimeSpan PurgeStopWait = TimeSpan.FromSeconds(30);

    public async Task<int> PurgeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var purged = 0;
        foreach (var instanceId in instanceIds.Distinct(StringComparer.Ordinal))
        {
            var metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
            if (metadata is null) continue;
            if (!metadata.IsCompleted)
            {
                await TerminateAsync(instanceId, "purged", cancellationToken);
                await WaitForCompletionAsync(instanceId, PurgeStopWait, cancellationToken);
            }
            // Recursive: the run's sub-orchestrations (agents called as tools) go with it.
            var result = await Client.PurgeInstanceAsync(instanceId, new PurgeInstanceOptions(Recursive: true), cancellationToken);
            purged += result.PurgedInstanceCount;
        }
        return purged;
    }

    public async Task<OrchestrationState?> GetStateAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        return metadata is null ? null : Map(metadata);
    }

    public async Task<OrchestrationState?> WaitForCompletionAsync(string instanceId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(maxWait);
        try
        {
            return Map(await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, limit.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await GetStateAsync(instanceId, cancellationToken);
        }
    }

    /// <summary>Durable has no change feed for one instance: poll its metadata until it differs or the wait is over.</summary>
    public async Task<OrchestrationState?> WaitForChangeAsync(string instanceId, OrchestrationState? known, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + maxWait;
        while (true)
        {
            var state = await GetStateAsync(instanceId, cancellationToken);
            if (state is null || known is null || state.IsTerminal || state.Version != known.Version || state.Status != known.Status
                || time.GetUtcNow() >= deadline)
            {
                return state;
            }
            await Task.Delay(pollInterval, time, cancellationToken);
        }
    }

    private static OrchestrationState Map(OrchestrationMetadata metadata) => new(
        metadata.InstanceId,
        metadata.RuntimeStatus switch
        {
            DurableStatus.Pending => PortStatus.Pending,
            DurableStatus.Running or DurableStatus.Suspended => PortStatus.Running,
            DurableStatus.Completed => PortStatus.Completed,
            DurableStatus.Failed => PortStatus.Failed,
            _ => PortStatus.Terminated,
        },
        Unwrap(metadata.SerializedCustomStatus),
        metadata.SerializedOutput,
        metadata.RuntimeStatus == DurableStatus.Failed
            ? metadata.FailureDetails is { } failure ? $"The orchestration failed: {failure.ErrorType}: {failure.ErrorMessage}" : "The orchestration failed; see the Functions logs for instance " + metadata.InstanceId
            : null,
        metadata.LastUpdatedAt.UtcTicks);

    /// <summary>The orchestration stores its progress as a JSON string (see <see cref="DurableOrchestrationContext.SetCustomStatus"/>).</summary>
    private static string? Unwrap(string? serialized) =>
        serialized is { Length: > 0 } && serialized[0] == '"' ? JsonSerializer.Deserialize<string>(serialized) : serialized;
}
