using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Models;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Storage;
using AgentFunctions.Tools;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks.Engine;

/// <summary>
/// Engine overhead on the local adapters: the replaying runner with its fsynced journal, the file document store
/// (fsynced), the scripted offline model and a builtin clock tool, so every microsecond measured is the engine's.
/// <list type="bullet">
/// <item><c>ThreeStepRun</c>: one run of three loop steps (model -> tool -> model -> tool -> model), start to finished record.</item>
/// <item><c>ConcurrentLoopSteps</c>: 64 runs of 10 steps at once; the result is per loop step (1/throughput).</item>
/// </list>
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
[MedianColumn]
public class EngineOverheadBench
{
    public const int ConcurrentRuns = 64;
    public const int StepsPerRun = 10;

    private readonly Caller caller = new(new TenantId("ten_bench"), "usr_bench", Role.Admin, "key_bench", ["team_bench"]);
    private string directory = null!;
    private FileDocumentStore store = null!;
    private LocalOrchestrationRunner runner = null!;
    private RunService runs = null!;
    private string agentId = null!;

    // Per-run latencies of ThreeStepRun, for a true p50/p95 (BenchmarkDotNet reports means per iteration).
    private readonly List<double> latencies = [];

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), "af-bench-engine-" + Guid.NewGuid().ToString("N"));
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        var models = new ServiceCollection()
            .AddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey)
            .AddSingleton<IChatModelRouter, ChatModelRouter>()
            .BuildServiceProvider();
        var options = new EngineOptions();
        AgentRunActivities? activities = null;
        runner = new LocalOrchestrationRunner(Path.Combine(directory, "orchestration"), AgentRunActivities.Register(new OrchestrationRegistry(), () => activities!), TimeProvider.System);
        activities = new AgentRunActivities(store, new ClockCatalog(), new ClockTool(TimeProvider.System), models.GetRequiredService<IChatModelRouter>(),
            new EmptyKnowledgeRetriever(), TimeProvider.System, options, NullLogger<AgentRunActivities>.Instance, runner.Transcript);
        runner.ResumeAsync().GetAwaiter().GetResult();
        runs = new RunService(store, runner, TimeProvider.System, options);

        var now = DateTimeOffset.UtcNow;
        var spec = new AgentSpec("Bench", null, AgentScope.User, "offline", "You are fast.", [], [BuiltinToolNames.CurrentTime],
            KnowledgeSettings.Off, 0, new AgentLimits(MaxToolCallsPerTurn: 100, MaxLoops: 100, MaxTokens: 1_000_000, MaxExecutionSeconds: 600));
        agentId = "agt_bench";
        store.For(caller.Tenant).CreateAsync(new Agent(agentId, caller.Tenant, caller.UserId, "team_bench", true, 1, 1, spec, now, now)).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (latencies.Count > 0)
        {
            // The later half: past warm-up and pilot iterations.
            var measured = latencies.Skip(latencies.Count / 2).Order().ToArray();
            var line = $"ENGINE-FIGURES 3-step run latency over {measured.Length} runs: p50 {measured[measured.Length / 2]:F3} ms, p95 {measured[measured.Length * 95 / 100]:F3} ms, p99 {measured[measured.Length * 99 / 100]:F3} ms";
            Console.WriteLine(line);
            File.AppendAllText(Path.Combine(Path.GetTempPath(), "af-engine-figures.txt"), line + Environment.NewLine);
        }
        runner.DisposeAsync().AsTask().GetAwaiter().GetResult();
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark]
    public async Task<RunView> ThreeStepRun()
    {
        var started = Stopwatch.GetTimestamp();
        var view = await RunAsync("/repeat 2 builtin.current_time {}");
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return view;
    }

    [Benchmark(OperationsPerInvoke = ConcurrentRuns * StepsPerRun)]
    public async Task ConcurrentLoopSteps()
    {
        var tasks = new Task<RunView>[ConcurrentRuns];
        for (var i = 0; i < tasks.Length; i++) tasks[i] = RunAsync($"/repeat {StepsPerRun - 1} builtin.current_time {{}}");
        await Task.WhenAll(tasks);
    }

    private async Task<RunView> RunAsync(string input)
    {
        var run = await runs.StartAsync(caller, agentId, input, null);
        var view = await runs.WaitAsync(caller, run.Id, TimeSpan.FromSeconds(60));
        if (view.Status != RunStatus.Completed) throw new InvalidOperationException($"Run {run.Id} ended {view.Status}: {view.Reason}");
        return view;
    }

    private sealed class ClockCatalog : IToolCatalog
    {
        private static readonly ResolvedTool Clock = new(BuiltinToolNames.CurrentTime, "Current UTC time",
            JsonDocument.Parse("""{"type":"object","properties":{},"additionalProperties":false}""").RootElement.Clone(), ToolKind.Builtin, false);

        public Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ResolvedTool>>([Clock]);
    }

    /// <summary>The builtin clock, as a builtin tool does it: no I/O.</summary>
    private sealed class ClockTool(TimeProvider time) : IToolExecutor
    {
        public Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ToolResult(true, time.GetUtcNow().ToString("O"), null, 1, TimeSpan.Zero));
    }
}
