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
    public async Task Sum_QueriesInsideThePartition_GroupedByTheAskedFields()
    {
        var store = CreateStore();

        await store.SumAsync(TenantB, Day1, Day1.AddDays(30), UsageDimensions.Agent | UsageDimensions.Model);

        var query = Assert.Single(last!.Calls, c => c.Operation == "Query");
        Assert.Equal(new Microsoft.Azure.Cosmos.PartitionKey(TenantB.Value).ToString(), query.Partition);
        Assert.EndsWith("GROUP BY c.meter, c.agentId, c.model", query.Text);
    }
}
