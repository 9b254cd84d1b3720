using AgentFunctions.Azure.Usage;
using AgentFunctions.Usage;

namespace AgentFunctions.Tests.Usage;

public sealed class CosmosUsageStoreContractTests : UsageStoreContract
{
    private UsageContainerDouble? last;

    protected override IUsageStore CreateStore()
    {
        last = new UsageContainerDouble();
        return new CosmosUsageStore(last.Container);
    }

    [Fact]
    public async Task Append_WritesOneItemPerEvent_InTheTenantPartition_WithAHashedId()
    {
        var store = CreateStore();

        await store.AppendAsync([Tokens(TenantA, "run:run_1:model:3:model.input_tokens", 12, Day1)]);

        var item = Assert.Single(last!.Items(TenantA.Value));
        Assert.Equal(CosmosUsageStore.ItemId("run:run_1:model:3:model.input_tokens"), item["id"]!.GetValue<string>());
        Assert.Equal(TenantA.Value, item["tenantId"]!.GetValue<string>());
        Assert.Equal(Day1.ToUnixTimeMilliseconds() / 86_400_000, item["day"]!.GetValue<long>());
        Assert.All(last.Calls, c => Assert.Equal(new Microsoft.Azure.Cosmos.PartitionKey(TenantA.Value).ToString(), c.Partition));
    }

    [Fact]
    public async Task Sum_QueriesInsideThePartition_GroupedByTheAskedFields_OverTheItemsAndTheirRiders()
    {
        var store = CreateStore();

        await store.SumAsync(TenantB, Day1, Day1.AddDays(30), UsageDimensions.Agent | UsageDimensions.Tool);

        var queries = last!.Calls.Where(c => c.Operation == "Query").ToList();
        Assert.Equal(2, queries.Count);
        Assert.All(queries, q => Assert.Equal(new Microsoft.Azure.Cosmos.PartitionKey(TenantB.Value).ToString(), q.Partition));
        Assert.EndsWith("FROM c WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY c.meter, c.agentId, c.tool", queries[0].Text);
        // A rider's meter and tool are its own, the rest is its item's.
        Assert.EndsWith("FROM c JOIN m IN c.more WHERE c.occurredAt >= @from AND c.occurredAt < @to GROUP BY m.meter, c.agentId, m.tool", queries[1].Text);
    }

    [Fact]
    public async Task Append_AModelCallsTokens_AndARunsClose_AreOneItemEach_KeyedByTheAnchorsOwnId()
    {
        var store = CreateStore();

        await store.AppendAsync(ModelCall(TenantA, "run_1", 3, Day1, input: 12, output: 4, cached: 8));
        await store.AppendAsync(RunClose(TenantA, "run_1", Day1, 2, ("call_1", "crm.lookup"), ("call_2", "crm.lookup")));

        var items = last!.Items(TenantA.Value);
        Assert.Equal(2, items.Count);
        var call = Assert.Single(items, i => i["meter"]!.GetValue<string>() == UsageMeters.ModelInputTokens);
        Assert.Equal(CosmosUsageStore.ItemId("run:run_1:model:3:model.input_tokens"), call["id"]!.GetValue<string>());
        Assert.Equal(["run:run_1:model:3:model.output_tokens", "run:run_1:model:3:model.cached_tokens"], call["more"]!.AsArray().Select(m => m!["key"]!.GetValue<string>()));
        var close = Assert.Single(items, i => i["meter"]!.GetValue<string>() == UsageMeters.RunSeconds);
        Assert.Equal(CosmosUsageStore.ItemId("run:run_1:seconds"), close["id"]!.GetValue<string>());
        Assert.Equal(2, close["more"]!.AsArray().Count);
        Assert.Equal(2, last.Calls.Count(c => c.Operation == "Create"));
    }

    [Fact]
    public async Task Append_ARiderWhoseAnchorDiffers_OrIsMissing_IsAnItemOfItsOwn()
    {
        var store = CreateStore();
        var call = ModelCall(TenantA, "run_2", 1, Day1, input: 10, output: 2, cached: 0);

        // The output tokens at another time cannot ride (they keep their own time); a tool call of a child run has no seconds to ride with.
        var added = await store.AppendAsync([call[0], call[1] with { OccurredAt = Day1.AddSeconds(1) },
            new UsageEvent(TenantA, "tool:call_c", UsageMeters.ToolCalls, 1, Day1, Tool: "crm.lookup", RunId: "run_2-1")]);

        Assert.Equal(3, added);
        Assert.Equal(3, last!.Items(TenantA.Value).Count);
        Assert.All(last.Items(TenantA.Value), i => Assert.Null(i["more"]));
    }
}
