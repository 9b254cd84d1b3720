using AgentFunctions.Storage;
using AgentFunctions.Agents;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>
/// One behaviour suite for the agent loop, run by each runner: the local replaying runner
/// (<see cref="LocalRunnerBehaviourTests"/>) and the real Durable Task engine running the Functions app's own functions
/// (<see cref="DurableEngineBehaviourTests"/>). Where the two disagree, the Durable engine is right.
/// </summary>
/// <summary>
/// The part of the behaviour suite that holds a run open (approval wait, terminate, the client adapter meanwhile);
/// <see cref="EngineBehaviourSuite"/> adds the runs that end by themselves. Both runners run both parts.
/// </summary>
public abstract class EngineWaitingBehaviourSuite
{
    protected abstract Task<IEngineUnderTest> CreateAsync(EngineSetup setup);

    protected Task<IEngineUnderTest> CreateAsync() => CreateAsync(new EngineSetup());

    /// <summary>Lets a bounded wait of at most 300 ms run out on the runner's clock (manual locally, real on Durable).</summary>
    private static async Task<T> BoundedAsync<T>(IEngineUnderTest engine, Task<T> wait)
    {
        await Task.Delay(100);
        await engine.ElapseAsync(TimeSpan.FromMilliseconds(400));
        return await wait.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Progress_WhileWaitingForApproval_ReadsStepsThroughTheRunService()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call builtin.current_time {}\n/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        var during = await engine.Runs.GetAsync(engine.Caller, started.Id);

        Assert.Equal(RunStatus.AwaitingApproval, during.Status);
        Assert.Equal([RunStepKind.ModelCall, RunStepKind.ToolCall, RunStepKind.ModelCall, RunStepKind.ApprovalRequested], during.Steps.Select(s => s.Kind));
        Assert.Equal(1, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Progress_AtMaximumBudgets_CustomStatusStaysUnderDurablesLimit()
    {
        // 49 tool calls with full 240-character previews, then an approval wait: the largest progress a run publishes.
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(tools: [FakeToolCatalog.Secretive, FakeToolCatalog.Guarded], limits: new AgentLimits(64, 50, 10_000_000, 3_600));
        var text = new string('x', 400);
        var started = await engine.StartAsync(agent.Id, $"/repeat 49 test.secretive {{\"text\":\"{text}\"}}\n/call test.guarded {{}}");

        var progress = await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        var state = await engine.Orchestrations.GetStateAsync(started.Id);
        // Stored the way the Durable adapter stores it: the progress JSON as one JSON string.
        var stored = System.Text.Json.JsonSerializer.Serialize(state!.SerializedCustomStatus);

        Assert.Equal(49, engine.Tools.TotalExecutions);
        Assert.InRange(stored.Length, 1_000, AgentRunOrchestration.MaxCustomStatusCharacters);
        Assert.Equal(99, progress.Steps[^1].Index);
        Assert.Equal(Enumerable.Range(100 - progress.Steps.Count, progress.Steps.Count), progress.Steps.Select(s => s.Index));
        Assert.Equal(RunStatus.AwaitingApproval, (await engine.Runs.GetAsync(engine.Caller, started.Id)).Status);
    }

    [Fact]
    public async Task Purge_WhileWaiting_TerminatesThenRemovesTheInstanceAndItsHistory()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call builtin.current_time {}\n/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        var purged = await engine.Orchestrations.PurgeAsync([started.Id]);

        Assert.Equal(1, purged);
        Assert.Null(await engine.Orchestrations.GetStateAsync(started.Id));
        Assert.Equal(0, await engine.Orchestrations.PurgeAsync([started.Id]));
    }

    [Fact]
    public async Task Cancel_WhileWaiting_TerminatesAndKeepsStepsAndUsage()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call builtin.current_time {}\n/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        var view = await engine.Runs.CancelAsync(engine.Caller, started.Id);
        var state = await engine.Orchestrations.WaitForCompletionAsync(started.Id, TimeSpan.FromSeconds(30));
        var run = (await engine.Store.For(engine.Tenant).GetAsync<Run>(started.Id))!.Value;

        Assert.Equal(RunStatus.Cancelled, view.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, state!.Status);
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal(2, run.Usage.ModelCalls);
        Assert.Equal(2, run.Usage.ToolCalls);
        Assert.Contains(run.Steps, s => s.Kind == RunStepKind.ApprovalRequested);
        var billed = (await engine.Store.For(engine.Tenant).GetAsync<RunUsageRecord>(run.Id))!.Value;
        Assert.Equal(2, billed.ModelCalls);
        Assert.Equal(run.Usage.InputTokens, billed.InputTokens);
        Assert.Equal(1, engine.Tools.TotalExecutions);
        // The transcript (unredacted arguments) does not outlive the cancelled run in the store (Durable keeps it there;
        // the local runner keeps it in its journal and drops it with the run).
        Assert.Empty(await engine.Store.For(engine.Tenant).ListAsync<RunTranscriptMessage>(default, new FieldEquals("run_id", started.Id)));
    }

    [Fact]
    public async Task Client_StartTwiceBoundedWaitAndNoChange_WhileWaiting()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call test.guarded {}");
        var waiting = await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        // Starting the same instance again is a no-op; a bounded wait on a waiting run returns it still running.
        await engine.Orchestrations.StartAsync(EngineNames.AgentRun, started.Id,
            new AgentRunInput(engine.Tenant, started.Id, agent.Id, engine.Caller.UserId, null, "ignored"));
        var state = await BoundedAsync(engine, engine.Orchestrations.WaitForCompletionAsync(started.Id, TimeSpan.FromMilliseconds(300)));
        var unchanged = await BoundedAsync(engine, engine.Orchestrations.WaitForChangeAsync(started.Id, state, TimeSpan.FromMilliseconds(300)));

        Assert.Equal(OrchestrationRuntimeStatus.Running, state!.Status);
        Assert.False(state.IsTerminal);
        Assert.Equal(state.Version, unchanged!.Version);
        Assert.NotNull(waiting.PendingApprovalTool);
        Assert.Null(await engine.Orchestrations.GetStateAsync("run_doesnotexist"));
    }
}

public abstract class EngineBehaviourSuite : EngineWaitingBehaviourSuite
{
    /// <summary>Short enough for real time on Durable; the local runner moves its manual clock past it.</summary>
    private const int ShortApprovalTimeoutSeconds = 2;

    [Fact]
    public async Task ToolLoop_ToolThenAnswer_CompletesWithStepsToolExecutionAndUsage()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();

        var started = await engine.StartAsync(agent.Id, "what time is it?\n/call builtin.current_time {\"zone\":\"UTC\"}");
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("You said: what time is it?\nbuiltin.current_time: builtin.current_time ok {\"zone\":\"UTC\"}", run.Answer);
        Assert.Equal([RunStepKind.ModelCall, RunStepKind.ToolCall, RunStepKind.ModelCall, RunStepKind.Finished], run.Steps.Select(s => s.Kind));
        Assert.Equal(2, run.Usage.ModelCalls);
        Assert.Equal(1, run.Usage.ToolCalls);
        var call = Assert.Single(run.ToolCalls);
        Assert.NotNull(await engine.Store.For(engine.Tenant).GetAsync<ToolExecution>(call.CallId));
        Assert.Equal(run.Usage.InputTokens, (await engine.Store.For(engine.Tenant).GetAsync<RunUsageRecord>(run.Id))!.Value.InputTokens);
        Assert.Equal(1, engine.Tools.ExecutionsByCallId[call.CallId]);
        Assert.Empty(await engine.Store.For(engine.Tenant).ListAsync<RunTranscriptMessage>(default, new FieldEquals("run_id", run.Id)));
    }

    private const string TwoCalls = "/call test.echo {\"text\":\"alpha\"}\n/also test.echo {\"text\":\"beta\"}";

    [Fact]
    public async Task FanOut_TwoCallsInOneAnswer_RunAtOnceAndGoBackInTheOrderAsked()
    {
        await using var engine = await CreateAsync();
        // Each call waits for the other to start (so they overlap or time out), and alpha also waits until beta is done.
        var started = 0;
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var betaDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var overlapped = new System.Collections.Concurrent.ConcurrentBag<bool>();
        engine.Tools.OnExecuteAsync = async (call, _) =>
        {
            if (Interlocked.Increment(ref started) == 2) bothStarted.TrySetResult();
            overlapped.Add(await Task.WhenAny(bothStarted.Task, Task.Delay(TimeSpan.FromSeconds(10))) == bothStarted.Task);
            if (call.ArgumentsJson.Contains("alpha", StringComparison.Ordinal)) await Task.WhenAny(betaDone.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            else betaDone.TrySetResult();
        };
        var agent = await engine.SeedAgentAsync();

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "go\n" + TwoCalls)).Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([true, true], overlapped);
        Assert.Equal("You said: go\ntest.echo: test.echo ok {\"text\":\"alpha\"}\ntest.echo: test.echo ok {\"text\":\"beta\"}", run.Answer);
        Assert.Equal([run.Id + ".1", run.Id + ".2"], run.ToolCalls.Select(c => c.CallId));
        Assert.Equal([RunStepKind.ModelCall, RunStepKind.ToolCall, RunStepKind.ToolCall, RunStepKind.ModelCall, RunStepKind.Finished], run.Steps.Select(s => s.Kind));
        Assert.Equal(2, run.Usage.ToolCalls);
        Assert.All(engine.Tools.ExecutionsByCallId.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task FanOut_CallsThatBlockBeforeTheirFirstAwait_StillOverlap()
    {
        await using var engine = await CreateAsync();
        // Each call blocks its thread (no await) until the other has started: run one after the other, both time out.
        var started = 0;
        using var bothStarted = new ManualResetEventSlim();
        var overlapped = new System.Collections.Concurrent.ConcurrentBag<bool>();
        engine.Tools.OnExecuteAsync = (_, _) =>
        {
            if (Interlocked.Increment(ref started) == 2) bothStarted.Set();
            overlapped.Add(bothStarted.Wait(TimeSpan.FromSeconds(10)));
            return Task.CompletedTask;
        };
        var agent = await engine.SeedAgentAsync();

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "go\n" + TwoCalls)).Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([true, true], overlapped);
        Assert.Equal([run.Id + ".1", run.Id + ".2"], run.ToolCalls.Select(c => c.CallId));
    }

    [Fact]
    public async Task FanOut_CrashWhileOneCallRuns_RepeatsNoFinishedCall()
    {
        await using var engine = await CreateAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.Tools.OnExecuteAsync = (call, cancellationToken) =>
            call.ArgumentsJson.Contains("beta", StringComparison.Ordinal) ? release.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, TwoCalls);

        // Prepare (with the first model call) and alpha are in history; beta is still running when the worker dies.
        await engine.WaitActivitiesRecordedAsync(started.Id, 2);
        await engine.CrashAndRestartAsync();
        release.TrySetResult();
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1, engine.Tools.ExecutionsByCallId[started.Id + ".1"]);
        Assert.InRange(engine.Tools.ExecutionsByCallId[started.Id + ".2"], 1, 2);
        Assert.True(run.ToolCalls.All(c => c.Outcome == ToolCallOutcome.Succeeded), string.Join("; ", run.ToolCalls.Select(c => c.Error)));
        Assert.EndsWith("test.echo: test.echo ok {\"text\":\"alpha\"}\ntest.echo: test.echo ok {\"text\":\"beta\"}", run.Answer);
    }

    [Fact]
    public async Task FanOut_CallNeedingApproval_HoldsTheFanOutUntilApproved()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call test.guarded {}\n/also test.echo {\"text\":\"beta\"}");

        var progress = await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        Assert.Equal(0, engine.Tools.TotalExecutions);
        await engine.Runs.DecideAsync(engine.Caller, started.Id, approved: true, null, null);
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(started.Id + ".1", progress.PendingApprovalCallId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([FakeToolCatalog.Guarded, FakeToolCatalog.Echo], run.ToolCalls.Select(c => c.Tool));
        Assert.All(run.ToolCalls, c => Assert.Equal(ToolCallOutcome.Succeeded, c.Outcome));
        Assert.Equal(2, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task FanOut_MoreCallsThanTheBudget_EndsWithToolCallLimitReached()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(limits: AgentLimits.Default with { MaxToolCallsPerTurn = 3 });

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, TwoCalls + "\n" + TwoCalls)).Id);

        Assert.Equal(RunStatus.ToolCallLimitReached, run.Status);
        Assert.Equal(2, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Budget_MaxToolCallsPerTurn_EndsWithToolCallLimitReached()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(limits: AgentLimits.Default with { MaxToolCallsPerTurn = 2, MaxLoops = 10 });

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/repeat 3 builtin.current_time {}")).Id);

        Assert.Equal(RunStatus.ToolCallLimitReached, run.Status);
        Assert.Equal(2, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Budget_MaxLoops_EndsWithLoopLimitReached()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(limits: AgentLimits.Default with { MaxLoops = 3, MaxToolCallsPerTurn = 50 });

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/repeat 5 builtin.current_time {}")).Id);

        Assert.Equal(RunStatus.LoopLimitReached, run.Status);
        Assert.Equal(3, run.Usage.ModelCalls);
        Assert.Equal(3, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Budget_MaxTokens_EndsWithTokenLimitReached()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(limits: AgentLimits.Default with { MaxTokens = 1_000 });

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/tokens 600\n/repeat 3 builtin.current_time {}")).Id);

        Assert.Equal(RunStatus.TokenLimitReached, run.Status);
        Assert.Equal(2, run.Usage.ModelCalls);
        Assert.Null(run.Answer);
    }

    [Fact]
    public async Task Budget_MaxExecutionSeconds_EndsWithTimeLimitReached()
    {
        await using var engine = await CreateAsync();
        engine.ToolCallsTake(TimeSpan.FromMilliseconds(1_200));
        var agent = await engine.SeedAgentAsync(limits: AgentLimits.Default with { MaxExecutionSeconds = 2 });

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/repeat 4 builtin.current_time {}")).Id);

        Assert.Equal(RunStatus.TimeLimitReached, run.Status);
        // Four calls asked for, 1.2 s each, 2 s allowed: the budget stops the run after the first or second (which one
        // depends on how long the engine itself took to start, about a second on a cold Durable test host).
        Assert.InRange(engine.Tools.TotalExecutions, 1, 2);
    }

    [Fact]
    public async Task Approval_ApprovedByExternalEvent_ExecutesTheCallOnce()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call test.guarded {}");

        var progress = await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        Assert.Equal(RunStatus.AwaitingApproval, progress.Status);
        Assert.Equal(0, engine.Tools.TotalExecutions);
        await engine.Runs.DecideAsync(engine.Caller, started.Id, approved: true, null, null);
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(ToolCallOutcome.Succeeded, Assert.Single(run.ToolCalls).Outcome);
        Assert.Contains(run.Steps, s => s.Kind == RunStepKind.ApprovalGranted);
        Assert.Equal(1, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Approval_NoAnswerBeforeDurableTimer_RefusesTheCall()
    {
        await using var engine = await CreateAsync(new EngineSetup(ApprovalTimeoutSeconds: ShortApprovalTimeoutSeconds));
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call test.guarded {}");

        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        await engine.ElapseAsync(TimeSpan.FromSeconds(ShortApprovalTimeoutSeconds + 1));
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(ToolCallOutcome.ApprovalTimedOut, Assert.Single(run.ToolCalls).Outcome);
        Assert.Equal(0, engine.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Purge_FinishedRunAndItsSubOrchestration_RemovesBoth_SkippingUnknownIds()
    {
        await using var engine = await CreateAsync(new EngineSetup(Catalog: c => c.AddAgentTool("agents.helper", "agt_helper")));
        await engine.SeedAgentAsync(agentId: "agt_helper", systemPrompt: "/answer helper says hi");
        var agent = await engine.SeedAgentAsync(tools: ["agents.helper"]);
        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/call agents.helper {\"input\":\"hello\"}")).Id);
        var childId = Assert.Single(run.ToolCalls).ChildRunId!;

        var purged = await engine.Orchestrations.PurgeAsync([run.Id, childId, "run_unknown"]);

        Assert.Equal(2, purged);
        Assert.Null(await engine.Orchestrations.GetStateAsync(run.Id));
        Assert.Null(await engine.Orchestrations.GetStateAsync(childId));
        // The run's record is the store's business, not the engine's: it stays until retention or deletion removes it.
        Assert.NotNull(await engine.Store.For(engine.Tenant).GetAsync<Run>(run.Id));
    }

    [Fact]
    public async Task AgentAsTool_RunsAsSubOrchestration_AndRollsUpUsage()
    {
        await using var engine = await CreateAsync(new EngineSetup(Catalog: c => c.AddAgentTool("agents.helper", "agt_helper")));
        await engine.SeedAgentAsync(agentId: "agt_helper", systemPrompt: "/answer helper says hi");
        var agent = await engine.SeedAgentAsync(tools: ["agents.helper"]);

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/call agents.helper {\"input\":\"hello\"}")).Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        var call = Assert.Single(run.ToolCalls);
        Assert.Equal("helper says hi", call.Result);
        var child = (await engine.Store.For(engine.Tenant).GetAsync<Run>(call.ChildRunId!))!.Value;
        Assert.Equal(run.Id, child.ParentRunId);
        Assert.Equal(RunStatus.Completed, child.Status);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await engine.Orchestrations.GetStateAsync(call.ChildRunId!))!.Status);
        Assert.Equal(3, run.Usage.ModelCalls);
        var own = (await engine.Store.For(engine.Tenant).GetAsync<RunUsageRecord>(run.Id))!.Value;
        Assert.Equal(2, own.ModelCalls);
        Assert.Equal(run.Usage.InputTokens - child.Usage.InputTokens, own.InputTokens);
    }

    [Fact]
    public async Task Crash_WhileWaiting_ReplayRepeatsNoFinishedActivity()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id,
            "/call builtin.current_time {}\n/call test.echo {\"text\":\"one\"}\n/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        Assert.Equal(2, engine.Tools.TotalExecutions);

        await engine.CrashAndRestartAsync();
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        await engine.Runs.DecideAsync(engine.Caller, started.Id, approved: true, null, null);
        var run = await engine.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3, run.ToolCalls.Count);
        Assert.Equal(3, engine.Tools.TotalExecutions);
        Assert.All(engine.Tools.ExecutionsByCallId.Values, n => Assert.Equal(1, n));
        Assert.Equal(4, run.Usage.ModelCalls);
    }

    [Fact]
    public async Task Progress_DuringRun_ReadsStepsThroughTheRunServiceAndItsStream()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call builtin.current_time {}\n/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        var during = await engine.Runs.GetAsync(engine.Caller, started.Id);
        await engine.Runs.DecideAsync(engine.Caller, started.Id, approved: true, null, null);
        var run = await engine.WaitFinishedAsync(started.Id);
        var events = new List<RunEvent>();
        await foreach (var item in await engine.Runs.WatchAsync(engine.Caller, started.Id)) events.Add(item);

        Assert.Equal(RunStatus.AwaitingApproval, during.Status);
        Assert.Equal([RunStepKind.ModelCall, RunStepKind.ToolCall, RunStepKind.ModelCall, RunStepKind.ApprovalRequested], during.Steps.Select(s => s.Kind));
        Assert.Equal(run.Steps.Select(s => s.Index), events.Where(e => e.Type == RunEvent.Step).Select(e => ((RunStep)e.Data).Index));
        Assert.Equal(RunEvent.End, events[^1].Type);
    }

    [Fact]
    public async Task Progress_AtMaximumBudgets_NeverFailsTheRun()
    {
        // 64 tool calls in 50 model answers, each step with a full preview: the most progress a run can publish.
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync(limits: new AgentLimits(64, 50, 10_000_000, 3_600));
        var text = new string('x', 48);

        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id,
            $"/repeat 49 test.echo {{\"text\":\"{text}\"}}")).Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(49, engine.Tools.TotalExecutions);
        Assert.Equal(Enumerable.Range(0, run.Steps.Count), run.Steps.Select(s => s.Index));
    }

    [Fact]
    public async Task Client_FinishedRun_ReadsWaitsAndStartAgainAnswerFromTheEngine_AlsoAfterRestart()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var run = await engine.WaitFinishedAsync((await engine.StartAsync(agent.Id, "/call test.echo {\"text\":\"once\"}")).Id);
        var again = new AgentRunInput(engine.Tenant, run.Id, agent.Id, engine.Caller.UserId, null, "/call test.echo {\"text\":\"twice\"}");

        // A finished instance: status with output and last progress, waits that return at once, a start that starts nothing
        // (the trigger dedupe: same event, same run id, one run), before and after a restart of the worker.
        var state = await engine.Orchestrations.GetStateAsync(run.Id);
        await engine.Orchestrations.StartAsync(EngineNames.AgentRun, run.Id, again);
        var completed = await engine.Orchestrations.WaitForCompletionAsync(run.Id, TimeSpan.FromSeconds(30));
        var changed = await engine.Orchestrations.WaitForChangeAsync(run.Id, state, TimeSpan.FromSeconds(30));
        await engine.CrashAndRestartAsync();
        await engine.Runs.StartAsync(engine.Caller, agent.Id, "/call test.echo {\"text\":\"thrice\"}", null, runId: run.Id);
        var after = await engine.Orchestrations.WaitForCompletionAsync(run.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state!.Status);
        // The output as each engine's data converter wrote it (Durable's own JSON settings, the runner's stored JSON).
        Assert.Contains("once", state.SerializedOutput);
        Assert.Equal(RunStatus.Completed, System.Text.Json.JsonSerializer.Deserialize<RunProgress>(state.SerializedCustomStatus!, AgentFunctions.Common.PlatformJson.Stored)!.Status);
        Assert.Equal(state, completed);
        Assert.Equal(state, changed);
        Assert.Equal(state, after);
        Assert.Equal(1, engine.Tools.TotalExecutions);
        Assert.Equal(run.Answer, (await engine.Store.For(engine.Tenant).GetAsync<Run>(run.Id))!.Value.Answer);
    }

    [Fact]
    public async Task Client_ApprovedRun_ChangesAndCompletesWithOutput()
    {
        await using var engine = await CreateAsync();
        var agent = await engine.SeedAgentAsync();
        var started = await engine.StartAsync(agent.Id, "/call test.guarded {}");
        await engine.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        var state = await engine.Orchestrations.GetStateAsync(started.Id);

        await engine.Runs.DecideAsync(engine.Caller, started.Id, approved: true, null, null);
        var changed = await engine.Orchestrations.WaitForChangeAsync(started.Id, state, TimeSpan.FromSeconds(30));
        var done = await engine.Orchestrations.WaitForCompletionAsync(started.Id, TimeSpan.FromSeconds(30));

        Assert.NotEqual(state!.Version, changed!.Version);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done!.Status);
        Assert.NotNull(done.SerializedOutput);
    }
}

/// <summary>The behaviour suite on the local replaying runner.</summary>
public sealed class LocalRunnerBehaviourTests : EngineBehaviourSuite
{
    protected override Task<IEngineUnderTest> CreateAsync(EngineSetup setup) => Task.FromResult<IEngineUnderTest>(new LocalEngineUnderTest(setup));
}

/// <summary>The behaviour suite on the real Durable Task engine, running the Functions app's own functions.</summary>
public sealed class DurableEngineBehaviourTests : EngineBehaviourSuite
{
    protected override async Task<IEngineUnderTest> CreateAsync(EngineSetup setup) => await DurableEngineUnderTest.StartAsync(setup);
}
