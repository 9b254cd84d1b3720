using AgentFunctions.Agents;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Tests.Support;
using Xunit.Abstractions;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>
/// History per run on both runners, for a 3-step and a 50-step run whose tool results are 16 KB each: the local
/// journal's bytes on disk (transcript included), and the payload Durable keeps in history (activity inputs and outputs;
/// the transcript is in the document store, not in history). The figures are
/// written to the test output (README, "Measured figures"); the assertions hold what must stay true of them.
/// </summary>
public sealed class EngineHistoryFiguresTests(ITestOutputHelper output)
{
    private const int ToolResultCharacters = 16 * 1024;

    [Theory]
    [InlineData(2)]
    [InlineData(49)]
    public async Task HistoryPerRun_LargeToolResults_MeasuredOnBothRunners(int toolCalls)
    {
        var steps = toolCalls + 1;
        var message = $"/repeat {toolCalls} test.echo {{\"text\":\"abc\"}}";
        var limits = new AgentLimits(64, 50, 100_000_000, 3_600);

        await using var local = EngineHarness.Create(new ManualTimeProvider());
        local.Tools.ResultPadding = ToolResultCharacters;
        var localAgent = await local.SeedAgentAsync(limits: limits);
        var localRun = await local.WaitFinishedAsync((await local.StartAsync(localAgent.Id, message)).Id);
        var journalBytes = Directory.EnumerateFiles(Path.Combine(local.Directory, "orchestration"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        await using var durable = await DurableEngineUnderTest.StartAsync(new EngineSetup());
        durable.Tools.ResultPadding = ToolResultCharacters;
        var durableAgent = await durable.SeedAgentAsync(limits: limits);
        var durableRun = await durable.WaitFinishedAsync((await durable.StartAsync(durableAgent.Id, message)).Id);

        output.WriteLine($"ENGINE-HISTORY {steps}-step run, {toolCalls} tool results of {ToolResultCharacters / 1024} KB: " +
            $"local journal {journalBytes:N0} bytes; Durable history payload {durable.HistoryPayloadBytes:N0} bytes");

        Assert.Equal(RunStatus.Completed, localRun.Status);
        Assert.Equal(RunStatus.Completed, durableRun.Status);
        // The local journal keeps every tool result once (in the run's transcript). Durable history holds no tool result
        // and no activity input repeats the conversation, so it grows linearly: what remains is the scripted model's final
        // answer, which quotes every result (in the last model call's output and in the completion's input).
        Assert.True(journalBytes >= toolCalls * ToolResultCharacters, $"journal {journalBytes}");
        Assert.InRange(durable.HistoryPayloadBytes, toolCalls * ToolResultCharacters, 3L * (toolCalls + 1) * ToolResultCharacters);
    }

    [Fact]
    public async Task ThreeStepRun_OnTheInProcessDurableEngine_LatencyMeasured()
    {
        // The same 3-step run as EngineOverheadBench (model -> tool -> model -> tool -> model), start to closed record.
        await using var durable = await DurableEngineUnderTest.StartAsync(new EngineSetup());
        var agent = await durable.SeedAgentAsync();
        const int Warmup = 5, Runs = 40;
        var latencies = new List<double>();
        for (var i = 0; i < Warmup + Runs; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var run = await durable.WaitFinishedAsync((await durable.StartAsync(agent.Id, "/repeat 2 builtin.current_time {}")).Id);
            Assert.Equal(RunStatus.Completed, run.Status);
            if (i >= Warmup) latencies.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        latencies.Sort();

        output.WriteLine($"ENGINE-DURABLE 3-step run on DurableTaskTestHost over {Runs} runs: p50 {latencies[Runs / 2]:0.0} ms, p95 {latencies[Runs * 95 / 100]:0.0} ms");

        Assert.Equal(Runs, latencies.Count);
        Assert.All(latencies, l => Assert.True(l > 0));
    }
}
