using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Engine;

public sealed class DurableReplayTests
{
    private const string Script = """
        /call builtin.current_time {}
        /call test.echo {"text":"hi"}
        /call agents.helper {"input":"/call test.echo {\"text\":\"child\"}"}
        /answer all done
        """;

    [Fact]
    public async Task Resume_AfterCrashAtEveryJournalRecord_SameResultAndEachToolRunsOnce()
    {
        // Baseline: the same run without a crash, counting how many records (crash points) it writes.
        CountingJournal? counter = null;
        await using var baseline = EngineHarness.Create(new ManualTimeProvider(), j => counter = new CountingJournal(j), h => h.Catalog.AddAgentTool("agents.helper", "agt_child"));
        var (agentId, input) = await SeedAsync(baseline);
        await baseline.Runner.StartAsync(EngineNames.AgentRun, input.RunId, input);
        var expected = await baseline.WaitFinishedAsync(input.RunId);
        Assert.Equal(RunStatus.Completed, expected.Status);
        Assert.Equal("all done", expected.Answer);
        Assert.Equal(3, baseline.Tools.TotalExecutions);
        var crashPoints = counter!.Appended;
        Assert.True(crashPoints >= 12, $"expected a dozen or more journal records, got {crashPoints}");

        for (var crashAfter = 1; crashAfter <= crashPoints; crashAfter++)
        {
            CrashingJournal? crashing = null;
            await using var harness = EngineHarness.Create(new ManualTimeProvider(), j => crashing = new CrashingJournal(j, crashAfter), h => h.Catalog.AddAgentTool("agents.helper", "agt_child"));
            await SeedAsync(harness);
            try
            {
                await harness.Runner.StartAsync(EngineNames.AgentRun, input.RunId, input);
            }
            catch (Exception ex) when (ex.GetType().Name == "InstanceAbandonedException")
            {
                // Crashed on the very first record.
            }
            await crashing!.Crashed.Task.WaitAsync(TimeSpan.FromSeconds(20));

            await harness.RestartAsync();
            var actual = await harness.WaitFinishedAsync(input.RunId);

            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Answer, actual.Answer);
            Assert.Equal(Json(expected.ToolCalls), Json(actual.ToolCalls));
            Assert.Equal(Json(expected.Usage), Json(actual.Usage));
            Assert.Equal(Json(expected.Steps), Json(actual.Steps));
            Assert.Equal(3, harness.Tools.TotalExecutions);
            Assert.All(harness.Tools.ExecutionsByCallId, pair => Assert.Equal(1, pair.Value));
            var child = await harness.Store.For(harness.Tenant).GetAsync<Run>(input.RunId + "-3");
            Assert.Equal(RunStatus.Completed, child!.Value.Status);
        }
    }

    [Fact]
    public async Task Replay_OrchestrationAsksForDifferentActivity_FailsAsNonDeterministic()
    {
        var version = 1;
        string? closedWith = null;
        void Register(OrchestrationRegistry registry) => registry
            .AddActivity<string, string>("Step", (s, _) => Task.FromResult(s + "!"))
            .AddActivity<string, string>("OtherStep", (s, _) => Task.FromResult(s + "?"))
            .AddOrchestration<string, string>("Flow", async (context, input) =>
            {
                var a = await context.CallActivityAsync<string>("Step", "a");
                var b = await context.CallActivityAsync<string>(version == 1 ? "Step" : "OtherStep", "b");
                var c = await context.CallActivityAsync<string>("Step", "c");
                return a + b + c;
            }, (_, reason, _) =>
            {
                closedWith = reason;
                return Task.CompletedTask;
            });

        CrashingJournal? crashing = null;
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), j => crashing = new CrashingJournal(j, 3), h => h.Register = Register);
        await harness.Runner.StartAsync("Flow", "flow_1", "in");
        await crashing!.Crashed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        version = 2;
        await harness.RestartAsync();
        var state = await WaitTerminalAsync(harness.Runner, "flow_1");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.Status);
        Assert.Contains("not deterministic", state.FailureMessage);
        Assert.Contains("activity:Step", state.FailureMessage);
        Assert.Contains("activity:OtherStep", state.FailureMessage);
        Assert.Equal(state.FailureMessage, closedWith);
    }

    [Fact]
    public async Task Replay_OrchestrationPassesFreshGuidToActivity_FailsAsNonDeterministic()
    {
        void Register(OrchestrationRegistry registry) => registry
            .AddActivity<string, string>("Step", (s, _) => Task.FromResult(s))
            .AddOrchestration<string, string>("Careless", async (context, input) =>
            {
                // The bug under test: a value that differs on every execution, passed to an activity.
                var a = await context.CallActivityAsync<string>("Step", Guid.NewGuid().ToString());
                return await context.CallActivityAsync<string>("Step", a);
            });

        CrashingJournal? crashing = null;
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), j => crashing = new CrashingJournal(j, 2), h => h.Register = Register);
        await harness.Runner.StartAsync("Careless", "careless_1", "in");
        await crashing!.Crashed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await harness.RestartAsync();
        var state = await WaitTerminalAsync(harness.Runner, "careless_1");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.Status);
        Assert.Contains("different input", state.FailureMessage);
    }

    [Fact]
    public async Task Replay_AgentRunCodeChangedAcrossRestart_RunEndsFailedAsNonDeterministic()
    {
        var changed = false;
        CrashingJournal? crashing = null;
        // Crash once the start and PrepareRun (which makes the first model call) are journaled, before any tool runs.
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), j => crashing = new CrashingJournal(j, 2), h => h.Register = registry =>
        {
            if (!changed) return;
            // "New code": asks for the model before preparing, where history recorded PrepareRun first.
            registry.AddOrchestration<AgentRunInput, RunOutcome>(EngineNames.AgentRun, async (context, input) =>
            {
                await context.CallActivityAsync<AgentFunctions.Engine.Models.ChatCompletion>(EngineNames.CallModel, input);
                return new RunOutcome(input.RunId, RunStatus.Completed, "?", null, RunUsage.Zero);
            }, (input, reason, ct) => h.Activities.FailRunAsync(input, reason, ct));
        });
        var agent = await harness.SeedAgentAsync();
        var started = await harness.StartAsync(agent.Id, "/call builtin.current_time {}");
        await crashing!.Crashed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        changed = true;
        await harness.RestartAsync();
        await WaitTerminalAsync(harness.Runner, started.Id);
        var run = (await harness.Store.For(harness.Tenant).GetAsync<Run>(started.Id))!.Value;

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("not deterministic", run.Reason);
        Assert.Contains("activity:PrepareRun", run.Reason);
        Assert.Equal(0, harness.Tools.TotalExecutions);
    }

    [Fact]
    public async Task Resume_AgentDeletedWhileHostWasDown_RunEndsFailedWithReason()
    {
        CrashingJournal? crashing = null;
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), j => crashing = new CrashingJournal(j, 1));
        var agent = await harness.SeedAgentAsync();
        var input = new AgentRunInput(harness.Tenant, "run_orphan", agent.Id, harness.Caller.UserId, null, "hello");
        await Assert.ThrowsAnyAsync<Exception>(() => harness.Runner.StartAsync(EngineNames.AgentRun, input.RunId, input));
        await crashing!.Crashed.Task;

        await harness.RestartAsync(resume: false);
        await harness.Store.For(harness.Tenant).DeleteAsync<AgentFunctions.Agents.Agent>(agent.Id);
        await harness.Runner.ResumeAsync();
        var run = await harness.WaitFinishedAsync(input.RunId);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("no longer exists", run.Reason);
    }

    [Fact]
    public async Task Resume_FinishedRunsAreNotRunAgain_AndJournalIsCompacted()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider());
        var agent = await harness.SeedAgentAsync();
        var run = await harness.StartAsync(agent.Id, "/call builtin.current_time {}");
        await harness.WaitFinishedAsync(run.Id);

        await harness.RestartAsync();

        Assert.Equal(1, harness.Tools.TotalExecutions);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await harness.Runner.GetStateAsync(run.Id))!.Status);
        Assert.Equal(0, new FileInfo(Path.Combine(harness.Directory, "orchestration", FileOrchestrationJournal.FileName)).Length);
    }

    [Fact]
    public async Task Resume_WaitingRunAcrossCompaction_KeepsItsTranscript()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider());
        var agent = await harness.SeedAgentAsync();
        await harness.WaitFinishedAsync((await harness.StartAsync(agent.Id, "/call builtin.current_time {}")).Id);
        var waiting = await harness.StartAsync(agent.Id, "first\n/call test.echo {\"text\":\"kept\"}\n/also builtin.current_time {}\n/call test.guarded {}");
        await harness.WaitProgressAsync(waiting.Id, p => p.PendingApprovalCallId is not null);

        // The first restart compacts the journal (the finished run goes, the waiting run's transcript is rewritten);
        // the second reads the waiting run back from the compacted journal alone.
        await harness.RestartAsync();
        await harness.RestartAsync();
        await harness.WaitProgressAsync(waiting.Id, p => p.PendingApprovalCallId is not null);
        await harness.Runs.DecideAsync(harness.Caller, waiting.Id, approved: true, null, null);
        var run = await harness.WaitFinishedAsync(waiting.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("You said: first\ntest.echo: test.echo ok {\"text\":\"kept\"}\nbuiltin.current_time: builtin.current_time ok {}\ntest.guarded: test.guarded ok {}", run.Answer);
        Assert.Equal(4, harness.Tools.TotalExecutions);
        Assert.All(harness.Tools.ExecutionsByCallId.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Journal_TornTail_IsCutAndEarlierHistoryKept()
    {
        var directory = Path.Combine(Path.GetTempPath(), "af-journal-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var journal = new FileOrchestrationJournal(directory))
            {
                journal.ReadAll();
                var sequence = journal.Append(new JournalRecord(JournalRecordType.Started, "i1", 0, "Flow", 0, 1, "\"x\""));
                await journal.WaitDurableAsync(sequence);
            }
            await File.AppendAllTextAsync(Path.Combine(directory, FileOrchestrationJournal.FileName), "\u0040\0\0\0garbage");

            using var reopened = new FileOrchestrationJournal(directory);
            var records = reopened.ReadAll();

            var record = Assert.Single(records);
            Assert.Equal("i1", record.InstanceId);
            Assert.Equal(record.Encode().Length, reopened.Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Orchestration_DiesWithoutClosingItsRun_ReadAndStreamCloseItAsFailed()
    {
        await using var harness = EngineHarness.Create(new ManualTimeProvider(), configure: h => h.Register = registry =>
            registry.AddOrchestration<AgentRunInput, RunOutcome>(EngineNames.AgentRun, (_, _) => throw new InvalidOperationException("boom")));
        var agent = await harness.SeedAgentAsync();
        var started = await harness.StartAsync(agent.Id, "hello");
        await WaitTerminalAsync(harness.Runner, started.Id);

        var events = new List<RunEvent>();
        await foreach (var item in (await harness.Runs.WatchAsync(harness.Caller, started.Id)).WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
        {
            events.Add(item);
        }
        var view = await harness.Runs.GetAsync(harness.Caller, started.Id);

        var end = Assert.IsType<RunEnded>(Assert.Single(events, e => e.Type == RunEvent.End).Data);
        Assert.Equal(RunStatus.Failed, end.Status);
        Assert.Contains("boom", end.Reason);
        Assert.Equal(RunStatus.Failed, view.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("123456789")]
    [InlineData("The quick brown fox jumps over the lazy dog")]
    public void Fingerprint_HardwareAndSoftwarePaths_GiveStandardCrc32C(string text)
    {
        // Reference: bitwise CRC-32C (Castagnoli), reflected, init and final xor 0xFFFFFFFF.
        var crc = 0xFFFFFFFFu;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0x82F63B78u ^ (crc >> 1) : crc >> 1;
        }
        Assert.Equal(~crc, Fingerprint.Compute(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static async Task<(string AgentId, AgentRunInput Input)> SeedAsync(EngineHarness harness)
    {
        var parent = await harness.SeedAgentAsync(tools: [FakeToolCatalog.Clock, FakeToolCatalog.Echo, "agents.helper"], agentId: "agt_parent");
        await harness.SeedAgentAsync(tools: [FakeToolCatalog.Echo], agentId: "agt_child");
        return (parent.Id, new AgentRunInput(harness.Tenant, "run_replay", parent.Id, harness.Caller.UserId, null, Script));
    }

    private static async Task<OrchestrationState> WaitTerminalAsync(LocalOrchestrationRunner runner, string id)
    {
        var state = await runner.GetStateAsync(id);
        while (state is not null && !state.IsTerminal)
        {
            state = await runner.WaitForChangeAsync(id, state, TimeSpan.FromMinutes(1)).WaitAsync(TimeSpan.FromSeconds(20));
        }
        return state!;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, PlatformJson.Options);
}
