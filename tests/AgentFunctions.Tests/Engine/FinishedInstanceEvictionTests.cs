using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Engine;

/// <summary>
/// The local runner keeps only unfinished instances in memory: a finished one moves to its finished-instance store,
/// from which status, output, progress, waits, the start dedupe and purge still answer, across restarts too (as
/// Durable keeps a completed instance until it is purged).
/// </summary>
public sealed class FinishedInstanceEvictionTests
{
    private const string OneCall = "/call test.echo {\"text\":\"once\"}";

    [Fact]
    public async Task Finish_RunEnds_LeavesMemoryAndStatusOutputProgressAndWaitsStillAnswer()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider());
        var agent = await harness.SeedAgentAsync();
        var run = await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, OneCall)).Id);

        await StoredAsync(harness, run.Id);
        var state = await harness.Runner.GetStateAsync(run.Id);
        var completed = await harness.Runner.WaitForCompletionAsync(run.Id, TimeSpan.FromMinutes(10)).WaitAsync(TimeSpan.FromSeconds(20));
        var changed = await harness.Runner.WaitForChangeAsync(run.Id, state, TimeSpan.FromMinutes(10)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.False(harness.Runner.IsInMemory(run.Id));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state!.Status);
        var outcome = JsonSerializer.Deserialize<RunOutcome>(state.SerializedOutput!, PlatformJson.Stored)!;
        Assert.Equal(run.Answer, outcome.Answer);
        // The last progress the run published (its final status and steps), as Durable keeps a finished instance's custom status.
        var progress = JsonSerializer.Deserialize<RunProgress>(state.SerializedCustomStatus!, PlatformJson.Stored)!;
        Assert.Equal(RunStatus.Completed, progress.Status);
        Assert.Equal(run.Steps[^1].Index, progress.Steps[^1].Index);
        Assert.Equal(state, completed);
        Assert.Equal(state, changed);
    }

    [Fact]
    public async Task Start_SameIdAfterTheRunLeftMemory_StartsNothing()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider());
        var agent = await harness.SeedAgentAsync();
        var run = await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, OneCall)).Id);
        await StoredAsync(harness, run.Id);
        var before = await harness.Runner.GetStateAsync(run.Id);

        // The orchestration client directly, and the run service's trigger path (a run id derived from the event).
        await harness.Runner.StartAsync(EngineNames.AgentRun, run.Id, new AgentRunInput(harness.Tenant, run.Id, agent.Id, harness.Caller.UserId, null, OneCall));
        await harness.Runs.StartAsync(harness.Caller, agent.Id, OneCall, null, runId: run.Id);

        Assert.Equal(1, harness.Tools.TotalExecutions);
        Assert.False(harness.Runner.IsInMemory(run.Id));
        Assert.Equal(before, await harness.Runner.GetStateAsync(run.Id));
        Assert.Equal(RunStatus.Completed, (await harness.Store.For(harness.Tenant).GetAsync<Run>(run.Id))!.Value.Status);
    }

    [Fact]
    public async Task Restart_TwiceAfterTheJournalDroppedFinishedRuns_StillDedupesAndReads()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider());
        var agent = await harness.SeedAgentAsync();
        var run = await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, OneCall)).Id);
        var before = await harness.Runner.GetStateAsync(run.Id);

        // Right after the finish (the finished run may be in the journal only), then again from the compacted journal.
        await harness.RestartAsync();
        await harness.RestartAsync();
        await harness.Runs.StartAsync(harness.Caller, agent.Id, OneCall, null, runId: run.Id);
        var after = await harness.Runner.GetStateAsync(run.Id);

        Assert.Equal(0, new FileInfo(Path.Combine(harness.Directory, "orchestration", FileOrchestrationJournal.FileName)).Length);
        Assert.Equal(1, harness.Tools.TotalExecutions);
        Assert.Equal(before, after);
        Assert.False(harness.Runner.IsInMemory(run.Id));
    }

    [Fact]
    public async Task Compaction_AtEveryFinish_KeepsTheWaitingRunAndMovesFinishedOnesToTheStore()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), configure: h => h.CompactionThreshold = 1);
        var agent = await harness.SeedAgentAsync();
        var waiting = await harness.StartAsync(agent.Id, "/call test.echo {\"text\":\"a\"}\n/call test.guarded {}");
        await harness.WaitProgressAsync(waiting.Id, p => p.PendingApprovalCallId is not null);
        var finished = await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, OneCall)).Id);

        await harness.RestartAsync();
        await harness.WaitProgressAsync(waiting.Id, p => p.PendingApprovalCallId is not null);
        await harness.Runs.DecideAsync(harness.Caller, waiting.Id, approved: true, null, null);
        var resumed = await harness.WaitFinishedAsync(waiting.Id);
        await harness.Runs.StartAsync(harness.Caller, agent.Id, OneCall, null, runId: finished.Id);

        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(3, harness.Tools.TotalExecutions);
        Assert.All(harness.Tools.ExecutionsByCallId.Values, n => Assert.Equal(1, n));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await harness.Runner.GetStateAsync(finished.Id))!.Status);
    }

    [Fact]
    public async Task Purge_FinishedRunOutOfMemory_RemovesItAndItsChildDurably_ThenTheIdStartsAnew()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), configure: h => h.Catalog.AddAgentTool("agents.helper", "agt_helper"));
        await harness.SeedAgentAsync(agentId: "agt_helper", systemPrompt: "/answer helper says hi");
        var agent = await harness.SeedAgentAsync(tools: ["agents.helper"]);
        var run = await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, "/call agents.helper {\"input\":\"hello\"}")).Id);
        var childId = Assert.Single(run.ToolCalls).ChildRunId!;
        await StoredAsync(harness, run.Id);

        // Named by the parent alone: the child is found through its parent in the store.
        var purged = await harness.Runner.PurgeAsync([run.Id]);
        await harness.RestartAsync();

        Assert.Equal(2, purged);
        Assert.Null(await harness.Runner.GetStateAsync(run.Id));
        Assert.Null(await harness.Runner.GetStateAsync(childId));
        await harness.Runner.StartAsync(EngineNames.AgentRun, run.Id, new AgentRunInput(harness.Tenant, run.Id, agent.Id, harness.Caller.UserId, null, "again"));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await harness.Runner.WaitForCompletionAsync(run.Id, TimeSpan.FromMinutes(1)).WaitAsync(TimeSpan.FromSeconds(20)))!.Status);
    }

    [Fact]
    public async Task Replay_ParentWaitingAcrossCompactionsAfterItsChildFinished_RunsNoChildAgain()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), configure: h =>
        {
            h.CompactionThreshold = 1;
            h.Catalog.AddAgentTool("agents.helper", "agt_helper");
        });
        await harness.SeedAgentAsync(agentId: "agt_helper", systemPrompt: "/answer helper says hi");
        var agent = await harness.SeedAgentAsync(tools: ["agents.helper", FakeToolCatalog.Guarded]);
        var started = await harness.StartAsync(agent.Id, "/call agents.helper {\"input\":\"hello\"}\n/call test.guarded {}");
        await harness.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);

        await harness.RestartAsync();
        await harness.WaitProgressAsync(started.Id, p => p.PendingApprovalCallId is not null);
        await harness.Runs.DecideAsync(harness.Caller, started.Id, approved: true, null, null);
        var run = await harness.WaitFinishedAsync(started.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("helper says hi", run.ToolCalls[0].Result);
        Assert.Equal(1, harness.Tools.TotalExecutions);
        Assert.False(harness.Runner.IsInMemory(run.ToolCalls[0].ChildRunId!));
    }

    /// <summary>Waits until the instance's completion is announced (it has left memory by then), then has the store write it.</summary>
    private static async Task StoredAsync(EngineHarness harness, string instanceId)
    {
        await harness.Runner.WaitForCompletionAsync(instanceId, TimeSpan.FromMinutes(10)).WaitAsync(TimeSpan.FromSeconds(20));
        harness.Runner.FlushFinished();
    }
}
