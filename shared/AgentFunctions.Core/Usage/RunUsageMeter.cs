using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// The engine's usage hooks, called by the agent-run activities: the tenant's token budget before each model call, the
/// call's tokens right after it, and the run's tool calls and seconds when it closes. Keys come from the run id and the
/// call's position (<see cref="UsageEventKeys"/>), so a replayed or retried activity counts once. A child
/// (agent-as-tool) run records its own calls with its root run as <see cref="UsageEvent.RootRunId"/>; the calling run
/// records neither its child's tokens nor its seconds, so nothing is counted twice.
/// </summary>
public sealed class RunUsageMeter(UsageRecorder recorder, UsageLimits limits, IDocumentStore store, TimeProvider time)
{
    private const int RememberedRuns = 10_000;

    /// <summary>
    /// Who a run acts for, remembered when it is prepared: the run record may still be on its way to the store when the
    /// first model call is counted. Another instance (or a restart) falls back to reading the run record.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Common.TenantId Tenant, string RunId), (string AgentId, string UserId)> runs = new();

    public void RunPrepared(AgentRunInput input)
    {
        if (runs.Count >= RememberedRuns) runs.Clear();
        runs[(input.Tenant, input.RunId)] = (input.AgentId, input.UserId);
    }

    /// <summary>Refuses a model call once the tenant's month reached its token budget (the loop ends the run with budget_exceeded).</summary>
    public Task BeforeModelCallAsync(ModelCallInput input, CancellationToken cancellationToken) =>
        limits.EnsureTokenBudgetAsync(input.Tenant, cancellationToken);

    public async Task ModelCalledAsync(ModelCallInput input, ChatCompletion completion, CancellationToken cancellationToken)
    {
        if (!runs.TryGetValue((input.Tenant, input.RunId), out var actor)
            && (await store.For(input.Tenant).GetAsync<Run>(input.RunId, cancellationToken).ConfigureAwait(false))?.Value is { } record)
        {
            actor = (record.AgentId, record.UserId);
        }
        // The call's position in the run's transcript grows with every model call, so it numbers the call within the run.
        var step = input.Index;
        var model = string.IsNullOrEmpty(completion.Model) ? input.Model : completion.Model;
        var now = time.GetUtcNow();
        UsageEvent Event(string meter, long quantity) => new(input.Tenant, UsageEventKeys.ModelCall(input.RunId, step, meter), meter, quantity, now,
            Model: model, AgentId: actor.AgentId, UserId: actor.UserId, RunId: input.RunId, RootRunId: RootOf(input.RunId), CorrelationId: RootOf(input.RunId));
        await recorder.RecordAsync(
        [
            Event(UsageMeters.ModelInputTokens, completion.Usage.InputTokens),
            Event(UsageMeters.ModelOutputTokens, completion.Usage.OutputTokens),
            Event(UsageMeters.ModelCachedTokens, completion.Usage.CachedInputTokens),
        ], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tool calls that ran (refused, rejected and timed-out approvals did not), and a root run's seconds.</summary>
    public async Task RunClosingAsync(RunCompletion completion, CancellationToken cancellationToken)
    {
        var input = completion.Run;
        runs.TryRemove((input.Tenant, input.RunId), out _);
        var now = time.GetUtcNow();
        var root = RootOf(input.RunId);
        var events = completion.ToolCalls
            .Where(c => c.Outcome is ToolCallOutcome.Succeeded or ToolCallOutcome.Failed)
            .Select(c => new UsageEvent(input.Tenant, UsageEventKeys.ToolCall(c.CallId), UsageMeters.ToolCalls, 1, now, Tool: c.Tool,
                AgentId: input.AgentId, UserId: input.UserId, RunId: input.RunId, RootRunId: root, CorrelationId: root))
            .ToList();
        if (input.ParentRunId is null)
        {
            // Wall time of the whole run, child runs included (they run inside it): counted on the root run only.
            var seconds = (long)Math.Ceiling(Math.Max(0, (now - completion.StartedAt).TotalSeconds));
            events.Add(new UsageEvent(input.Tenant, UsageEventKeys.RunSeconds(input.RunId), UsageMeters.RunSeconds, seconds, now,
                AgentId: input.AgentId, UserId: input.UserId, RunId: input.RunId, RootRunId: root, CorrelationId: root));
        }
        await recorder.RecordAsync(events, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A cancelled run never reaches CompleteRun: its tool calls (those its live progress still shows; it keeps the latest
    /// steps) and, for a root run, its seconds are counted here. Model tokens were counted as each call returned.
    /// </summary>
    public async Task RunCancelledAsync(Run run, CancellationToken cancellationToken)
    {
        runs.TryRemove((run.TenantId, run.Id), out _);
        var now = time.GetUtcNow();
        var root = RootOf(run.Id);
        var events = run.Steps
            .Where(s => s.Kind == RunStepKind.ToolCall && s.CallId is not null)
            .Select(s => new UsageEvent(run.TenantId, UsageEventKeys.ToolCall(s.CallId!), UsageMeters.ToolCalls, 1, now, Tool: s.Tool,
                AgentId: run.AgentId, UserId: run.UserId, RunId: run.Id, RootRunId: root, CorrelationId: root))
            .ToList();
        if (run.ParentRunId is null)
        {
            var seconds = (long)Math.Ceiling(Math.Max(0, ((run.EndedAt ?? now) - run.CreatedAt).TotalSeconds));
            events.Add(new UsageEvent(run.TenantId, UsageEventKeys.RunSeconds(run.Id), UsageMeters.RunSeconds, seconds, now,
                AgentId: run.AgentId, UserId: run.UserId, RunId: run.Id, RootRunId: root, CorrelationId: root));
        }
        await recorder.RecordAsync(events, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A child run's id is its parent's id and a suffix (<c>{parent}-{n}</c>); run ids themselves hold no '-'.</summary>
    public static string RootOf(string runId)
    {
        var dash = runId.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? runId : runId[..dash];
    }
}
