using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using Microsoft.DurableTask;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// The orchestration port over Durable Functions. The only class of the app that touches
/// <see cref="TaskOrchestrationContext"/>: the shared orchestration never sees it.
/// </summary>
internal sealed class DurableOrchestrationContext(TaskOrchestrationContext context) : IOrchestrationContext
{
    public string InstanceId => context.InstanceId;

    public DateTimeOffset CurrentUtcDateTime => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    public bool IsReplaying => context.IsReplaying;

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input)
    {
        try
        {
            return await context.CallActivityAsync<TResult>(name, input);
        }
        catch (TaskFailedException ex)
        {
            throw new ActivityFailedException(name, ex.FailureDetails?.ErrorMessage ?? ex.Message);
        }
    }

    public async Task<TResult> CallSubOrchestrationAsync<TResult>(string name, string instanceId, object? input)
    {
        try
        {
            return await context.CallSubOrchestratorAsync<TResult>(name, input, new SubOrchestrationOptions(instanceId: instanceId));
        }
        catch (TaskFailedException ex)
        {
            throw new ActivityFailedException(name, ex.FailureDetails?.ErrorMessage ?? ex.Message);
        }
    }

    /// <summary>The documented Durable pattern: an external event raced against a durable timer, the loser cancelled.</summary>
    public async Task<ExternalEventResult<T>> WaitForExternalEventAsync<T>(string name, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource();
        var received = context.WaitForExternalEvent<T>(name, cancel.Token);
        var timer = context.CreateTimer(context.CurrentUtcDateTime.Add(timeout), cancel.Token);
        var winner = await Task.WhenAny(received, timer);
        cancel.Cancel();
        return winner == received ? new ExternalEventResult<T>(true, await received) : ExternalEventResult<T>.TimedOut;
    }

    /// <summary>
    /// Stored as a JSON string in the platform's snake_case shape, so clients read progress the same way from Durable
    /// as from the local runner, whatever data converter the worker is configured with.
    /// </summary>
    public void SetCustomStatus(object? status) =>
        context.SetCustomStatus(status is null ? null : JsonSerializer.Serialize(status, status.GetType(), PlatformJson.Options));
}
