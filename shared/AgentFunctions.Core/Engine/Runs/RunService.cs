using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Starts runs and answers for them: read (with live progress), wait, watch, cancel, approve or reject a pending call.
/// The run id is the orchestration instance id.
/// </summary>
public sealed class RunService(IDocumentStore store, IOrchestrationClient orchestrations, TimeProvider time, EngineOptions options, Usage.UsageLimits? limits = null,
    Usage.RunUsageMeter? meter = null, IRunTranscript? transcript = null)
{
    private static readonly TimeSpan WatchSlice = TimeSpan.FromSeconds(15);

    private const int CancelAttempts = 1000;

    /// <summary>How old a "running" record without an orchestration must be before it counts as orphaned (not just starting).</summary>
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(5);

    /// <summary>Schedules a run of a visible, enabled agent. The orchestration is durable before the run record is written.</summary>
    /// <param name="inputField">The request field that carried <paramref name="message"/>, so a refusal names what the caller sent
    /// (<c>input</c> for execute, <c>content</c> for a chat message).</param>
    /// <param name="runId">A run id derived from what caused the run (a trigger event), so that starting it twice starts it
    /// once; null for a new id.</param>
    public async Task<Run> StartAsync(Caller caller, string agentId, string? message, string? sessionId, CancellationToken cancellationToken = default, string inputField = "input", string? runId = null)
    {
        new Validation()
            .RequireText(message, inputField, options.MaxInputLength)
            .Require(sessionId is null || Ids.LooksValid(sessionId), "session_id", "is not a valid session id")
            .ThrowIfInvalid();
        var documents = store.For(caller.Tenant);
        var agent = await GetVisibleAgentAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        if (!agent.Enabled)
        {
            throw new ConflictException($"The agent '{agentId}' is disabled.");
        }
        if (limits is not null) await limits.EnsureRunMayStartAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        if (sessionId is not null)
        {
            var session = await GetVisibleSessionAsync(caller, sessionId, cancellationToken).ConfigureAwait(false);
            if (session.AgentId != agentId) throw new NotFoundException($"Session '{sessionId}' of agent '{agentId}'");
        }

        var now = time.GetUtcNow();
        // Time-ordered, so the agent's runs list pages newest first from the store's id order.
        runId ??= Ids.NewSortable("run", now);
        using var span = Observability.PlatformTelemetry.StartRun(caller.Tenant.Value, agentId, runId, sessionId);
        var input = new AgentRunInput(caller.Tenant, runId, agentId, caller.UserId, sessionId, message!) { Trace = Observability.PlatformTelemetry.Capture() };
        var run = AgentRunActivities.NewRun(input, agent.Version, agent.Spec.Scope, agent.TeamId, now);
        // The record and the orchestration are made durable side by side (one wait instead of two). If the host dies
        // between them, the run's first activity writes a missing record, and a record whose orchestration never
        // started is closed as failed when read (see CloseOrphanAsync).
        var recorded = CreateRecordAsync(documents, run, cancellationToken);
        await orchestrations.StartAsync(EngineNames.AgentRun, runId, input, cancellationToken).ConfigureAwait(false);
        await recorded.ConfigureAwait(false);
        return run;
    }

    /// <summary>Waits up to <paramref name="wait"/> for the run to finish; returns its view either way.</summary>
    public async Task<RunView> WaitAsync(Caller caller, string runId, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        await orchestrations.WaitForCompletionAsync(runId, wait, cancellationToken).ConfigureAwait(false);
        return await GetAsync(caller, runId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunView> GetAsync(Caller caller, string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
        if (run.Value.IsFinished) return RunView.From(run.Value);
        var state = await orchestrations.GetStateAsync(runId, cancellationToken).ConfigureAwait(false);
        if (state is null && time.GetUtcNow() - run.Value.CreatedAt > OrphanAge)
        {
            return RunView.From(await CloseOrphanAsync(caller, run, null, cancellationToken).ConfigureAwait(false));
        }
        if (state?.IsTerminal == true)
        {
            // Finished between the two reads: the record is final now, unless the orchestration died without closing it.
            run = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
            if (!run.Value.IsFinished)
            {
                return RunView.From(await CloseOrphanAsync(caller, run, state, cancellationToken).ConfigureAwait(false));
            }
        }
        return RunView.From(run.Value, ReadProgress(state));
    }

    /// <summary>
    /// One page of an agent's runs that the caller may see, newest first. <paramref name="status"/> filters in the store;
    /// a run awaiting approval is stored as running until it closes, so that status is read from its orchestration
    /// (only for the running runs of the page).
    /// </summary>
    public async Task<ListPage<RunSummary>> ListAsync(Caller caller, string agentId, RunStatus? status, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewRuns);
        await GetVisibleAgentAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var filter = new List<FieldEquals> { new("agent_id", agentId) };
        if (status is { } wanted) filter.Add(new FieldEquals("status", Wire(wanted == RunStatus.AwaitingApproval ? RunStatus.Running : wanted)));
        var page = await ListCursor.ReadAsync<Run>(store.For(caller.Tenant), $"runs:{agentId}:{status}", request, newestFirst: true,
            cancellationToken, [.. filter]).ConfigureAwait(false);
        var items = new List<RunSummary>(page.Items.Count);
        foreach (var run in page.Items.Select(v => v.Value).Where(r => IsVisible(caller, r)))
        {
            var current = run.Status;
            if (!run.IsFinished && ReadProgress(await orchestrations.GetStateAsync(run.Id, cancellationToken).ConfigureAwait(false)) is { Status: RunStatus.AwaitingApproval })
            {
                current = RunStatus.AwaitingApproval;
            }
            if (status is null || current == status) items.Add(RunSummary.From(run, current));
        }
        return new ListPage<RunSummary>(items, page.NextCursor);
    }

    /// <summary>The run's steps as they happen, then one <c>end</c> event. Visibility is checked before the first item.</summary>
    public async Task<IAsyncEnumerable<RunEvent>> WatchAsync(Caller caller, string runId, CancellationToken cancellationToken = default)
    {
        await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
        return Stream(caller, runId, cancellationToken);
    }

    public async Task<RunView> CancelAsync(Caller caller, string runId, CancellationToken cancellationToken = default)
    {
        var documents = store.For(caller.Tenant);
        for (var attempt = 0; ; attempt++)
        {
            var run = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
            if (run.Value.IsFinished)
            {
                throw new ConflictException($"The run already ended with status '{Wire(run.Value.Status)}'.");
            }
            // The orchestration never closes a terminated run, so what it did so far (model calls, tool calls with their
            // side effects, tokens spent) is kept from its live progress; otherwise a cancelled run reads as if nothing ran.
            var progress = ReadProgress(await orchestrations.GetStateAsync(runId, cancellationToken).ConfigureAwait(false));
            var cancelled = run.Value with
            {
                Status = RunStatus.Cancelled,
                Reason = $"Cancelled by user '{caller.UserId}'.",
                Steps = progress?.Steps ?? run.Value.Steps,
                Usage = progress?.Usage ?? run.Value.Usage,
                EndedAt = time.GetUtcNow(),
            };
            // Tokens already spent are billed: the run's own usage so far goes out with the cancelled record, in one batch.
            var writes = new List<DocumentWrite> { TypedDocuments.Write(DocumentWriteMode.Replace, documents, cancelled, run.ETag) };
            if (progress?.OwnUsage is { } own)
            {
                writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, new RunUsageRecord(
                    cancelled.Id, caller.Tenant, cancelled.Id, cancelled.AgentId, cancelled.UserId, progress.Model ?? string.Empty,
                    own.InputTokens, own.OutputTokens, own.ModelCalls, own.ToolCalls, cancelled.EndedAt!.Value)));
            }
            try
            {
                await documents.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentPreconditionFailedException) when (attempt < CancelAttempts)
            {
                // The run's last write is still on its way to being readable: look again shortly.
                await Task.Yield();
                continue;
            }
            await orchestrations.TerminateAsync(runId, cancelled.Reason!, cancellationToken).ConfigureAwait(false);
            if (meter is not null) await meter.RunCancelledAsync(cancelled, cancellationToken).ConfigureAwait(false);
            // A terminated run never reaches CompleteRun, which drops the stored transcript (it holds the model's
            // arguments unredacted): drop it here. (An activity still in flight may write one more message after this.)
            if (transcript is not null) await transcript.DeleteAsync(caller.Tenant, runId, cancellationToken).ConfigureAwait(false);
            return RunView.From(cancelled);
        }
    }

    /// <summary>Approves or rejects the call the run waits for, by raising its durable approval event.</summary>
    public async Task<RunView> DecideAsync(Caller caller, string runId, bool approved, string? callId, string? reason, CancellationToken cancellationToken = default)
    {
        var run = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
        if (run.Value.IsFinished)
        {
            throw new ConflictException($"The run already ended with status '{Wire(run.Value.Status)}'.");
        }
        var progress = ReadProgress(await orchestrations.GetStateAsync(runId, cancellationToken).ConfigureAwait(false));
        var pending = progress?.PendingApprovalCallId
            ?? throw new ConflictException("The run is not waiting for an approval.");
        if (callId is not null && callId != pending)
        {
            throw new ConflictException($"The run waits for an approval of call '{pending}', not '{callId}'.");
        }
        await orchestrations.RaiseEventAsync(runId, EngineNames.ApprovalEvent(pending), new ApprovalDecision(approved, reason, caller.UserId), cancellationToken)
            .ConfigureAwait(false);
        return RunView.From(run.Value, progress! with { Status = RunStatus.Running, PendingApprovalCallId = null, PendingApprovalTool = null });
    }

    public async Task<Agent> GetVisibleAgentAsync(Caller caller, string agentId, CancellationToken cancellationToken)
    {
        if (!Ids.LooksValid(agentId)) throw new NotFoundException($"Agent '{agentId}'");
        var agent = (await store.For(caller.Tenant).GetAsync<Agent>(agentId, cancellationToken).ConfigureAwait(false))?.Value;
        // One visibility rule for the registry and the engine.
        return agent is not null && AgentService.IsVisible(caller, agent) ? agent : throw new NotFoundException($"Agent '{agentId}'");
    }

    public async Task<Session> GetVisibleSessionAsync(Caller caller, string sessionId, CancellationToken cancellationToken)
    {
        if (!Ids.LooksValid(sessionId)) throw new NotFoundException($"Session '{sessionId}'");
        var session = (await store.For(caller.Tenant).GetAsync<Session>(sessionId, cancellationToken).ConfigureAwait(false))?.Value;
        return session is not null && (session.UserId == caller.UserId || caller.Role == Role.Admin)
            ? session
            : throw new NotFoundException($"Session '{sessionId}'");
    }

    private async Task<Versioned<Run>> GetVisibleRunAsync(Caller caller, string runId, CancellationToken cancellationToken)
    {
        if (!Ids.LooksValid(runId)) throw new NotFoundException($"Run '{runId}'");
        var run = await store.For(caller.Tenant).GetAsync<Run>(runId, cancellationToken).ConfigureAwait(false);
        return run is not null && IsVisible(caller, run.Value) ? run : throw new NotFoundException($"Run '{runId}'");
    }

    /// <summary>A run is visible to its user, to an admin, and to the team of a team agent's run.</summary>
    private static bool IsVisible(Caller caller, Run run) =>
        run.UserId == caller.UserId || caller.Role == Role.Admin || (run.Scope == AgentScope.Team && caller.TeamIds.Contains(run.TeamId));

    private async IAsyncEnumerable<RunEvent> Stream(Caller caller, string runId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var sent = 0;
        RunStatus? lastStatus = null;
        OrchestrationState? state = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            var run = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
            if (run.Value.IsFinished)
            {
                foreach (var step in run.Value.Steps.Where(s => s.Index >= sent)) yield return new RunEvent(RunEvent.Step, step);
                var final = run.Value;
                yield return new RunEvent(RunEvent.End, new RunEnded(final.Id, final.Status, final.Answer, final.Reason, final.Usage));
                yield break;
            }

            state = state is null
                ? await orchestrations.GetStateAsync(runId, cancellationToken).ConfigureAwait(false)
                : await orchestrations.WaitForChangeAsync(runId, state, WatchSlice, cancellationToken).ConfigureAwait(false);
            if (ReadProgress(state) is { } progress)
            {
                foreach (var step in progress.Steps.Where(s => s.Index >= sent))
                {
                    yield return new RunEvent(RunEvent.Step, step);
                    sent = step.Index + 1;
                }
                if (!progress.Status.IsFinal() && progress.Status != lastStatus)
                {
                    lastStatus = progress.Status;
                    yield return new RunEvent(RunEvent.Status, new RunStatusChanged(runId, progress.Status, progress.PendingApprovalCallId, progress.PendingApprovalTool));
                }
            }
            if (state?.IsTerminal == true || (state is null && time.GetUtcNow() - run.Value.CreatedAt > OrphanAge))
            {
                // The orchestration is over (or never existed): the record must say so; the next turn ends the stream.
                var latest = await GetVisibleRunAsync(caller, runId, cancellationToken).ConfigureAwait(false);
                if (!latest.Value.IsFinished) await CloseOrphanAsync(caller, latest, state, cancellationToken).ConfigureAwait(false);
            }
            else if (state is null)
            {
                // No instance yet (still starting): wait a slice for it.
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A run must never stay "running" after its orchestration ended: close it as failed with the reason known.</summary>
    private async Task<Run> CloseOrphanAsync(Caller caller, Versioned<Run> run, OrchestrationState? state, CancellationToken cancellationToken)
    {
        var closed = run.Value with
        {
            Status = state?.Status == OrchestrationRuntimeStatus.Terminated ? RunStatus.Cancelled : RunStatus.Failed,
            Reason = state is null
                ? "The run was accepted but its orchestration never started (the host stopped in between)."
                : state.FailureMessage ?? $"The run's orchestration ended ({state.Status}) without closing the run.",
            EndedAt = time.GetUtcNow(),
        };
        try
        {
            await store.For(caller.Tenant).ReplaceAsync(closed, run.ETag, cancellationToken).ConfigureAwait(false);
            return closed;
        }
        catch (DocumentPreconditionFailedException)
        {
            return (await GetVisibleRunAsync(caller, run.Value.Id, cancellationToken).ConfigureAwait(false)).Value;
        }
    }

    private static async Task CreateRecordAsync(ITenantDocuments documents, Run run, CancellationToken cancellationToken)
    {
        try
        {
            await documents.CreateAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // The run's first activity wrote it already.
        }
    }

    private static RunProgress? ReadProgress(OrchestrationState? state) =>
        state?.SerializedCustomStatus is { Length: > 0 } json ? JsonSerializer.Deserialize<RunProgress>(json, PlatformJson.Stored) : null;

    private static string Wire(RunStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
