using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Usage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;
using AgentFunctions.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Usage;

/// <summary>The engine's and triggers' hooks count once under replay, retry and redelivery, and a child run's usage is not counted twice.</summary>
public sealed class EngineUsageTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-meter-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 11, 10, 9, 0, 0, TimeSpan.Zero));
    private readonly FileDocumentStore store;
    private readonly SqliteUsageStore usage;
    private readonly RunUsageMeter meter;
    private readonly TriggerUsageMeter triggers;
    private readonly TenantId tenant = new("ten_metered");

    public EngineUsageTests()
    {
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        usage = new SqliteUsageStore(Path.Combine(directory, "usage.db"));
        var plans = new PlanService(store, time, NullLogger<PlanService>.Instance);
        var tally = new UsageTally(usage, time);
        var recorder = new UsageRecorder(usage, tally, NullLogger<UsageRecorder>.Instance);
        meter = new RunUsageMeter(recorder, new UsageLimits(plans, tally, store, time), store, time);
        triggers = new TriggerUsageMeter(recorder, plans, usage);
    }

    [Fact]
    public async Task ModelCall_RecordedTwice_ForTheSameStep_CountsOnce()
    {
        var input = new ModelCallInput(tenant, "run_abc", "gpt-4o", [], 1000, Index: 2, Appended: []);
        var completion = new ChatCompletion("hello", [], new TokenUsage(120, 30, 100), "stop", TimeSpan.Zero, "gpt-4o");

        await meter.ModelCalledAsync(input, completion, CancellationToken.None);
        await meter.ModelCalledAsync(input, completion with { Usage = new TokenUsage(999, 999) }, CancellationToken.None);

        var sums = await usage.SumAsync(tenant, time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddDays(1), UsageDimensions.Model);
        Assert.Equal(
        [
            new UsageTotal(UsageMeters.ModelCachedTokens, 100, 1, Model: "gpt-4o"),
            new UsageTotal(UsageMeters.ModelInputTokens, 120, 1, Model: "gpt-4o"),
            new UsageTotal(UsageMeters.ModelOutputTokens, 30, 1, Model: "gpt-4o"),
        ], sums);
    }

    [Fact]
    public async Task RunClosing_Twice_CountsToolCallsAndSecondsOnce_AndAChildRunCountsNoSeconds()
    {
        var parent = Completion("run_p", null, [Call("run_p.1", "crm.lookup", ToolCallOutcome.Succeeded), Call("run_p.2", "agent.helper", ToolCallOutcome.Succeeded),
            Call("run_p.3", "crm.delete", ToolCallOutcome.Refused)]);
        var child = Completion("run_p-2", "run_p", [Call("run_p-2.1", "crm.lookup", ToolCallOutcome.Failed)]);
        time.Advance(TimeSpan.FromSeconds(12.2));

        await meter.RunClosingAsync(parent, CancellationToken.None);
        await meter.RunClosingAsync(parent, CancellationToken.None);
        await meter.RunClosingAsync(child, CancellationToken.None);

        var from = time.GetUtcNow().AddDays(-1);
        var to = time.GetUtcNow().AddDays(1);
        Assert.Equal(3, await usage.TotalAsync(tenant, [UsageMeters.ToolCalls], from, to));
        Assert.Equal(13, await usage.TotalAsync(tenant, [UsageMeters.RunSeconds], from, to));
        Assert.Equal("run_p", RunUsageMeter.RootOf("run_p-2-1"));
    }

    [Fact]
    public async Task TriggerEvent_Redelivered_CountsOnce()
    {
        var e = new TriggerEvent("evt_1", tenant, "trg_1", "agt_1", TriggerSystem.Webhook, time.GetUtcNow(), default, TriggerEventStatus.Queued, null, null, "src", time.GetUtcNow());

        Assert.Null(await triggers.EventDispatchingAsync(e, CancellationToken.None));
        Assert.Null(await triggers.EventDispatchingAsync(e, CancellationToken.None));

        Assert.Equal(1, await usage.TotalAsync(tenant, [UsageMeters.TriggerEvents], time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddDays(1)));
    }

    private RunCompletion Completion(string runId, string? parent, IReadOnlyList<ToolCallRecord> calls) =>
        new(new AgentRunInput(tenant, runId, "agt_1", "usr_1", null, "hi", parent), "gpt-4o", RunStatus.Completed, "done", null, [], calls, [],
            RunUsage.Zero, RunUsage.Zero, time.GetUtcNow());

    private static ToolCallRecord Call(string id, string tool, ToolCallOutcome outcome) => new(id, tool, "{}", outcome, null, null, 1, 1);

    public void Dispose()
    {
        usage.Dispose();
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
