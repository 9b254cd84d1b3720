using AgentFunctions.Common;
using AgentFunctions.Usage;

namespace AgentFunctions.Tests.Usage;

/// <summary>The usage port's contract, run against every adapter (SQLite locally, Cosmos at the SDK boundary).</summary>
public abstract class UsageStoreContract
{
    protected static readonly DateTimeOffset Day1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    protected static readonly TenantId TenantA = new("ten_usage_a");
    protected static readonly TenantId TenantB = new("ten_usage_b");

    protected abstract IUsageStore CreateStore();

    protected static UsageEvent Tokens(TenantId tenant, string key, long quantity, DateTimeOffset at, string model = "gpt-4o", string agent = "agt_1", string user = "usr_1", string meter = UsageMeters.ModelInputTokens) =>
        new(tenant, key, meter, quantity, at, Model: model, AgentId: agent, UserId: user, RunId: "run_1", RootRunId: "run_1");

    [Fact]
    public async Task Append_SameKeyTwice_IsCountedOnce()
    {
        var store = CreateStore();

        var first = await store.AppendAsync([Tokens(TenantA, "k1", 100, Day1), Tokens(TenantA, "k2", 5, Day1)]);
        var again = await store.AppendAsync([Tokens(TenantA, "k1", 999, Day1.AddHours(1)), Tokens(TenantA, "k3", 1, Day1)]);

        Assert.Equal(2, first);
        Assert.Equal(1, again);
        Assert.Equal(106, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
    }

    [Fact]
    public async Task ReadTenant_ReturnsEveryEventOfTheTenantOnly_ThenDeleteTenant_RemovesThemAndTheirSums_OtherTenantKept()
    {
        var store = CreateStore();
        var events = Enumerable.Range(0, 1203).Select(i => Tokens(TenantA, $"k{i:D5}", 1, Day1.AddMinutes(i))).ToList();
        await store.AppendAsync(events);
        await store.AppendAsync([Tokens(TenantB, "k00001", 7, Day1)]);

        var read = new List<UsageEvent>();
        await foreach (var e in store.ReadTenantAsync(TenantA)) read.Add(e);
        Assert.Equal(events.Select(e => e.Key).Order(StringComparer.Ordinal), read.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(read, e => Assert.Equal(TenantA, e.Tenant));
        Assert.Equal(events[5], read.Single(e => e.Key == "k00005"));

        Assert.Equal(1203, await store.DeleteTenantAsync(TenantA));
        Assert.Equal(0, await store.DeleteTenantAsync(TenantA));

        Assert.Empty(await store.SumAsync(TenantA, Day1, Day1.AddDays(3), UsageDimensions.None));
        await foreach (var _ in store.ReadTenantAsync(TenantA)) Assert.Fail("an event of the deleted tenant is still there");
        Assert.Equal(7, await store.TotalAsync(TenantB, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
    }

    [Fact]
    public async Task SameKey_InAnotherTenant_IsAnotherEvent_AndSumsStayInTheirTenant()
    {
        var store = CreateStore();

        await store.AppendAsync([Tokens(TenantA, "k1", 10, Day1), Tokens(TenantB, "k1", 20, Day1)]);

        Assert.Equal(10, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
        Assert.Equal(20, await store.TotalAsync(TenantB, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
        var sums = await store.SumAsync(TenantB, Day1, Day1.AddDays(1), UsageDimensions.None);
        Assert.Equal(new UsageTotal(UsageMeters.ModelInputTokens, 20, 1), Assert.Single(sums));
    }

    [Fact]
    public async Task Sum_GroupsByMeterAndDimensions_InTheHalfOpenRange()
    {
        var store = CreateStore();
        await store.AppendAsync(
        [
            Tokens(TenantA, "a", 100, Day1, model: "gpt-4o", agent: "agt_1"),
            Tokens(TenantA, "b", 50, Day1.AddHours(3), model: "gpt-4o", agent: "agt_2"),
            Tokens(TenantA, "c", 7, Day1.AddDays(1), model: "mini", agent: "agt_1"),
            Tokens(TenantA, "d", 30, Day1.AddDays(1), model: "mini", agent: "agt_1", meter: UsageMeters.ModelOutputTokens),
            new UsageEvent(TenantA, "tool", UsageMeters.ToolCalls, 1, Day1, Tool: "crm.lookup", AgentId: "agt_1"),
            Tokens(TenantA, "outside", 1000, Day1.AddDays(2)),
        ]);

        var byModel = await store.SumAsync(TenantA, Day1, Day1.AddDays(2), UsageDimensions.Model);
        var byAgentAndDay = await store.SumAsync(TenantA, Day1, Day1.AddDays(2), UsageDimensions.Agent | UsageDimensions.Day);

        Assert.Equal(
        [
            new UsageTotal(UsageMeters.ModelInputTokens, 150, 2, Model: "gpt-4o"),
            new UsageTotal(UsageMeters.ModelInputTokens, 7, 1, Model: "mini"),
            new UsageTotal(UsageMeters.ModelOutputTokens, 30, 1, Model: "mini"),
            new UsageTotal(UsageMeters.ToolCalls, 1, 1, Model: null),
        ], byModel);
        Assert.Contains(new UsageTotal(UsageMeters.ModelInputTokens, 100, 1, Agent: "agt_1", Day: new DateOnly(2026, 11, 1)), byAgentAndDay);
        Assert.Contains(new UsageTotal(UsageMeters.ModelInputTokens, 7, 1, Agent: "agt_1", Day: new DateOnly(2026, 11, 2)), byAgentAndDay);
        Assert.Contains(new UsageTotal(UsageMeters.ModelInputTokens, 50, 1, Agent: "agt_2", Day: new DateOnly(2026, 11, 1)), byAgentAndDay);
        Assert.Equal(187, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens, UsageMeters.ModelOutputTokens], Day1, Day1.AddDays(2)));
        Assert.Equal(0, await store.TotalAsync(TenantA, [UsageMeters.TriggerEvents], Day1, Day1.AddDays(2)));
    }

    [Fact]
    public async Task Sum_OverRangesCutInsideDays_CountsExactlyTheEventsInside()
    {
        var store = CreateStore();
        await store.AppendAsync(
        [
            Tokens(TenantA, "h1", 1, Day1.AddHours(1)),
            Tokens(TenantA, "h5", 10, Day1.AddHours(5)),
            Tokens(TenantA, "d2", 100, Day1.AddHours(30)),
            Tokens(TenantA, "d3", 1000, Day1.AddHours(50)),
            Tokens(TenantA, "d4", 10000, Day1.AddHours(80)),
        ]);

        Assert.Equal(10 + 100 + 1000, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1.AddHours(2), Day1.AddHours(51)));
        Assert.Equal(1000, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1.AddHours(49), Day1.AddHours(51)));
        Assert.Equal(11111, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1.AddMinutes(1), Day1.AddDays(4)));
        var byDay = await store.SumAsync(TenantA, Day1.AddHours(2), Day1.AddHours(90), UsageDimensions.Day);
        Assert.Equal([10L, 100L, 1000L, 10000L], byDay.Select(t => t.Quantity));
    }

    [Fact]
    public async Task ConcurrentAppends_OfTheSameEvents_CountEachOnce()
    {
        var store = CreateStore();
        var events = Enumerable.Range(0, 200).Select(i => Tokens(TenantA, $"e{i}", 1, Day1)).ToList();

        var added = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.AppendAsync(events))));

        Assert.Equal(200, added.Sum());
        Assert.Equal(200, await store.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
    }
    /// <summary>A model call's tokens and a closing run's tool calls and seconds, as the engine appends them (one batch each).</summary>
    protected static IReadOnlyList<UsageEvent> ModelCall(TenantId tenant, string runId, int step, DateTimeOffset at, long input, long output, long cached) =>
    [
        .. new[] { (UsageMeters.ModelInputTokens, input), (UsageMeters.ModelOutputTokens, output), (UsageMeters.ModelCachedTokens, cached) }
            .Where(m => m.Item2 > 0)
            .Select(m => new UsageEvent(tenant, UsageEventKeys.ModelCall(runId, step, m.Item1), m.Item1, m.Item2, at, Model: "gpt-4o", AgentId: "agt_1", UserId: "usr_1",
                RunId: runId, RootRunId: runId, CorrelationId: runId)),
    ];

    protected static IReadOnlyList<UsageEvent> RunClose(TenantId tenant, string runId, DateTimeOffset at, long seconds, params (string CallId, string Tool)[] calls) =>
    [
        .. calls.Select(c => new UsageEvent(tenant, UsageEventKeys.ToolCall(c.CallId), UsageMeters.ToolCalls, 1, at, Tool: c.Tool, AgentId: "agt_1", UserId: "usr_1",
            RunId: runId, RootRunId: runId, CorrelationId: runId)),
        new UsageEvent(tenant, UsageEventKeys.RunSeconds(runId), UsageMeters.RunSeconds, seconds, at, AgentId: "agt_1", UserId: "usr_1", RunId: runId, RootRunId: runId, CorrelationId: runId),
    ];

    [Fact]
    public async Task ModelCallTokens_AppendedAgain_WithAnotherMeterAndOtherQuantities_CountEachKeyOnce()
    {
        var store = CreateStore();

        var first = await store.AppendAsync(ModelCall(TenantA, "run_m", 4, Day1, input: 120, output: 30, cached: 0));
        var replay = await store.AppendAsync(ModelCall(TenantA, "run_m", 4, Day1, input: 120, output: 30, cached: 0));
        // A retried call answered differently: its input and output keys were counted, its cached tokens were not.
        var retry = await store.AppendAsync(ModelCall(TenantA, "run_m", 4, Day1.AddMinutes(1), input: 125, output: 40, cached: 100));

        Assert.Equal((2, 0, 1), (first, replay, retry));
        Assert.Equal(
        [
            new UsageTotal(UsageMeters.ModelCachedTokens, 100, 1, Model: "gpt-4o"),
            new UsageTotal(UsageMeters.ModelInputTokens, 120, 1, Model: "gpt-4o"),
            new UsageTotal(UsageMeters.ModelOutputTokens, 30, 1, Model: "gpt-4o"),
        ], await store.SumAsync(TenantA, Day1, Day1.AddDays(1), UsageDimensions.Model));
        Assert.Equal(150, await store.TotalAsync(TenantA, UsageMeters.BudgetTokens, Day1, Day1.AddDays(1)));
    }

    [Fact]
    public async Task RunClose_ToolCallsAndSeconds_KeepTheirToolAndCountOnce_ThenReadBackAsAppended()
    {
        var store = CreateStore();
        var close = RunClose(TenantA, "run_t", Day1.AddHours(2), 7, ("call_1", "crm.lookup"), ("call_2", "web.get"), ("call_3", "crm.lookup"));

        Assert.Equal(4, await store.AppendAsync(close));
        Assert.Equal(0, await store.AppendAsync(close));
        // A cancel counted the first call and the seconds; the close that follows adds only the calls it did not count.
        Assert.Equal(2, await store.AppendAsync(RunClose(TenantA, "run_u", Day1, 3, ("call_9", "web.get"))));
        Assert.Equal(1, await store.AppendAsync(RunClose(TenantA, "run_u", Day1.AddMinutes(1), 5, ("call_9", "web.get"), ("call_10", "web.get"))));

        Assert.Equal(
        [
            new UsageTotal(UsageMeters.RunSeconds, 10, 2, Tool: null),
            new UsageTotal(UsageMeters.ToolCalls, 2, 2, Tool: "crm.lookup"),
            new UsageTotal(UsageMeters.ToolCalls, 3, 3, Tool: "web.get"),
        ], await store.SumAsync(TenantA, Day1, Day1.AddDays(1), UsageDimensions.Tool));
        var read = new List<UsageEvent>();
        await foreach (var e in store.ReadTenantAsync(TenantA)) read.Add(e);
        Assert.Equal(close.OrderBy(e => e.Key, StringComparer.Ordinal), read.Where(e => e.RunId == "run_t").OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(7, await store.DeleteTenantAsync(TenantA));
        Assert.Empty(await store.SumAsync(TenantA, Day1, Day1.AddDays(1), UsageDimensions.None));
    }

    [Fact]
    public async Task EventsAppendedOneByOne_ThenTogether_CountEachKeyOnce()
    {
        var store = CreateStore();
        var call = ModelCall(TenantA, "run_o", 2, Day1, input: 50, output: 5, cached: 20);
        var close = RunClose(TenantA, "run_o", Day1, 2, ("call_o", "crm.lookup"));

        // One event per append (how every event was stored before a batch's events could share an item), then the batches.
        foreach (var e in call.Take(2).Concat(close)) Assert.Equal(1, await store.AppendAsync([e]));
        Assert.Equal(1, await store.AppendAsync(call));
        Assert.Equal(0, await store.AppendAsync(close));

        Assert.Equal(75 + 2 + 1, (await store.SumAsync(TenantA, Day1, Day1.AddDays(1), UsageDimensions.None)).Sum(t => t.Quantity));
        Assert.Equal(5, (await store.SumAsync(TenantA, Day1, Day1.AddDays(1), UsageDimensions.None)).Sum(t => t.Events));
    }
}
