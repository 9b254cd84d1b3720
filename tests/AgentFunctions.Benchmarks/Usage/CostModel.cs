using System.Globalization;

namespace AgentFunctions.Benchmarks.Usage;

/// <summary>
/// The platform's own cost per 1,000 operations, model tokens aside: operation counts times public list prices.
/// <para>
/// Prices (USD, pay-as-you-go, written 2026-11-30 from the public Azure pricing pages as the author last knew them; they
/// were not fetched live from this machine, so re-check them on azure.microsoft.com/pricing before quoting):
/// Cosmos DB serverless $0.25 per million RU; Functions Flex Consumption on-demand $0.40 per million executions and
/// $0.000026 per GB-s; Storage queue and table transactions (the Durable Functions Azure Storage backend), taken at an
/// upper bound of $0.04 per 10,000; Service Bus Standard $0.05 per million operations (past the 13 M included);
/// Key Vault $0.03 per 10,000 secret operations. AI Search and Azure OpenAI are billed per unit-hour and per token:
/// outside this table.
/// </para>
/// <para>
/// Request units (Cosmos's documented rules of thumb): a point read of up to 1 KB is 1 RU, a write about 5.5 RU per KB
/// with the default indexing policy, a query about 3 RU plus 1 RU per document returned.
/// Durable (Azure Storage backend): per activity a work-item message put, get and delete, a result message put, get and
/// delete, one history table batch and one instance table update: 8 transactions; the orchestration's start and end add
/// 8 more. Each activity is one Function execution and each orchestrator replay episode another (activities + 1).
/// Execution time is assumed at 20 ms per execution on a 2,048 MB Flex instance (0.04 GB-s).
/// </para>
/// </summary>
public static class CostModel
{
    public const string PricesDated = "2026-11-30";
    public const decimal CosmosPerMillionRu = 0.25m;
    public const decimal FunctionsPerMillionExecutions = 0.40m;
    public const decimal FunctionsPerGbSecond = 0.000026m;
    public const decimal GbSecondsPerExecution = 0.04m;
    public const decimal StoragePerTenThousand = 0.04m;
    public const decimal ServiceBusPerMillion = 0.05m;
    public const decimal KeyVaultPerTenThousand = 0.03m;

    public const decimal RuPointRead = 1m;
    public const decimal RuPerWriteKb = 5.5m;
    public const decimal RuQuery = 3m;
    public const decimal RuPerQueryDocument = 1m;
    public const int StorageTransactionsPerActivity = 8;
    public const int StorageTransactionsPerOrchestration = 8;

    public sealed record Operations(string Name, decimal Ru, int Executions, int StorageTransactions, int ServiceBusOps, int KeyVaultOps);

    public static IEnumerable<string> Table(DocumentOperations run, double usageAppends, double budgetReads, int activities)
    {
        var runRu = (decimal)run.PointReads * RuPointRead + (decimal)run.WriteKbUnits * RuPerWriteKb + (decimal)run.Queries * RuQuery
            + (decimal)run.QueryDocuments * RuPerQueryDocument + (decimal)usageAppends * RuPerWriteKb + 1m /* API key point read */;
        var rows = new List<Operations>
        {
            // HTTP execute (1) + activities + orchestrator episodes (activities + 1).
            new("3-step run (API execute)", runRu, 1 + activities + activities + 1, activities * StorageTransactionsPerActivity + StorageTransactionsPerOrchestration, 0, 0),
            // Intake: trigger read, event key + event create (one batch, 2 x 1 KB), then Service Bus send. Dispatch (Service Bus
            // function): event, trigger and user reads, one usage create, event replace, trigger state read + replace.
            // The run it starts is the row above. Key Vault: the signing secret, read per delivery.
            new("webhook delivery (intake + dispatch)", 1 + 2 * RuPerWriteKb + 3 + RuPerWriteKb + RuPerWriteKb + 1 + RuPerWriteKb, 2, 0, 3, 1),
            // API key read, knowledge base read, one usage create; the embedding and the search are outside the table.
            new("knowledge query (API)", 1 + 1 + RuPerWriteKb, 1, 0, 0, 0),
        };
        yield return $"cost model: prices dated {PricesDated}; budget reads are cached per tenant for {AgentFunctions.Usage.UsageTally.RefreshAfter.TotalSeconds:F0} s per instance ({budgetReads:F2} per run here), not counted per run";
        yield return "| operation | Cosmos RU | Function executions | Storage transactions | Service Bus ops | Key Vault ops | USD per 1,000 |";
        yield return "| --- | ---: | ---: | ---: | ---: | ---: | ---: |";
        foreach (var row in rows)
        {
            var perOne = row.Ru * CosmosPerMillionRu / 1_000_000m
                + row.Executions * (FunctionsPerMillionExecutions / 1_000_000m + GbSecondsPerExecution * FunctionsPerGbSecond)
                + row.StorageTransactions * StoragePerTenThousand / 10_000m
                + row.ServiceBusOps * ServiceBusPerMillion / 1_000_000m
                + row.KeyVaultOps * KeyVaultPerTenThousand / 10_000m;
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.Ru:F1} | {row.Executions} | {row.StorageTransactions} | {row.ServiceBusOps} | {row.KeyVaultOps} | ${perOne * 1000m:F4} |");
        }
    }
}
