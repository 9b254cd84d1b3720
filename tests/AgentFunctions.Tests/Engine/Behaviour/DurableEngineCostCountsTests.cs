using AgentFunctions.Engine.Runs;
using Xunit.Abstractions;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>
/// What a 3-step run (model -> tool -> model -> tool -> model) asks of the Durable backend, counted on the real Durable
/// Task engine running the app's own orchestrator and activity functions: activity executions by name and orchestrator
/// episodes. The cost table (tests/AgentFunctions.Benchmarks, usage-figures cost) counts the activities on the local
/// runner and takes the episodes as one per start plus one per result; this test holds that rule to the engine.
/// </summary>
public sealed class DurableEngineCostCountsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThreeStepRun_OnTheDurableEngine_SixActivitiesAndOneEpisodePerResult()
    {
        await using var durable = await DurableEngineUnderTest.StartAsync(new EngineSetup());
        var agent = await durable.SeedAgentAsync();
        // Warm: the first orchestration on a fresh host; then count one run alone.
        Assert.Equal(RunStatus.Completed, (await durable.WaitFinishedAsync((await durable.StartAsync(agent.Id, "/repeat 2 builtin.current_time {}")).Id)).Status);
        var episodesBefore = durable.OrchestratorEpisodes;
        durable.ActivityExecutions.Clear();

        var run = await durable.WaitFinishedAsync((await durable.StartAsync(agent.Id, "/repeat 2 builtin.current_time {}")).Id);

        var activities = durable.ActivityExecutions.Values.Sum();
        var episodes = durable.OrchestratorEpisodes - episodesBefore;
        output.WriteLine($"COST-COUNTS 3-step run on DurableTaskTestHost: {activities} activities " +
            $"({string.Join(", ", durable.ActivityExecutions.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}"))}), {episodes} orchestrator episodes");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3, run.Usage.ModelCalls);
        // PrepareRun makes the first model call: prepare, 2 more model calls, 2 tools, complete.
        Assert.Equal(1, durable.ActivityExecutions[EngineNames.PrepareRun]);
        Assert.Equal(2, durable.ActivityExecutions[EngineNames.CallModel]);
        Assert.Equal(2, durable.ActivityExecutions[EngineNames.ExecuteReadOnlyTool]);
        Assert.Equal(1, durable.ActivityExecutions[EngineNames.CompleteRun]);
        Assert.Equal(6, activities);
        // One episode for the start and one for each result (the calls are sequential, so no two results share one).
        Assert.Equal(1 + activities, episodes);
    }
}
