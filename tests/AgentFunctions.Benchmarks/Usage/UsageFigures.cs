using System.Diagnostics;
using System.Globalization;
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
using AgentFunctions.Local.Usage;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tools;
using AgentFunctions.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks.Usage;

/// <summary>
/// <c>dotnet run -c Release --project tests/AgentFunctions.Benchmarks -- usage-figures [events | cost]</c>: the usage figures of
/// docs/benchmarks-usage.md. (1) Append rate into the local SQLite usage store, batched and one event per call from
/// concurrent callers; (2) an invoice draft over N usage events (default 1,000,000) and the process memory around it;
/// (3) the platform cost table (alone with <c>cost</c>): a real 3-step run on the local engine with every activity counted
/// and every document and usage operation counted at the Cosmos SDK boundary, the webhook and knowledge paths counted
/// from their code, priced at the list prices in <see cref="CostModel"/>.
/// </summary>
public static class UsageFigures
{
    public const string Command = "usage-figures";

    public static async Task<int> RunAsync(string[] args)
    {
        var costOnly = args.Length > 1 && args[1] == "cost";
        var events = args.Length > 1 && !costOnly ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        var directory = Path.Combine(Path.GetTempPath(), "af-usage-figures-" + Guid.NewGuid().ToString("N"));
        try
        {
            if (costOnly)
            {
                await CostTableAsync(directory);
                return 0;
            }
            await AppendRateAsync(directory);
            await InvoiceAsync(directory, events);
            await CostTableAsync(directory);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
        return 0;
    }

    private static async Task AppendRateAsync(string directory)
    {
        var tenant = new TenantId("ten_append");
        var at = DateTimeOffset.UtcNow;
        using (var store = new SqliteUsageStore(Path.Combine(directory, "append-batched.db")))
        {
            const int total = 400_000;
            const int batch = 100;
            const int writers = 8;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                for (var b = 0; b < total / writers / batch; b++)
                {
                    var list = new UsageEvent[batch];
                    for (var i = 0; i < batch; i++) list[i] = Event(tenant, $"b{w}.{b}.{i}", at, i);
                    await store.AppendAsync(list);
                }
            })));
            Print($"append, batches of {batch} from {writers} writers: {total:N0} events in {watch.Elapsed.TotalSeconds:F2} s = {total / watch.Elapsed.TotalSeconds:N0} events/s");
        }
        using (var store = new SqliteUsageStore(Path.Combine(directory, "append-single.db")))
        {
            const int total = 100_000;
            const int callers = 64;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
            {
                for (var i = 0; i < total / callers; i++) await store.AppendAsync([Event(tenant, $"s{c}.{i}", at, i)]);
            })));
            Print($"append, one event per call from {callers} concurrent callers (group commit): {total:N0} events in {watch.Elapsed.TotalSeconds:F2} s = {total / watch.Elapsed.TotalSeconds:N0} events/s");
        }
    }

    private static async Task InvoiceAsync(string directory, int count)
    {
        var time = TimeProvider.System;
        var tenant = new TenantId("ten_invoice_bench");
        var documents = new FileDocumentStore(Path.Combine(directory, "documents-invoice"));
        using var usage = new SqliteUsageStore(Path.Combine(directory, "invoice.db"));
        var now = time.GetUtcNow();
        var period = now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        await documents.For(tenant).CreateAsync(new Tenant(tenant.Value, tenant, "Bench", "bench", null, "team", monthStart));
        var plans = new PlanService(documents, time, NullLogger<PlanService>.Instance);
        await documents.For(TenantId.Platform).CreateAsync(new PlanVersion(PlanVersion.IdFor("bench", 1), TenantId.Platform, "bench", 1, PlanLimits.Unlimited,
            new PlanPrices(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(0.0025m, 0.01m, 0.00125m), ["gpt-4o-mini"] = new(0.00015m, 0.0006m) },
                new ModelPrice(0.001m, 0.002m), 0.001m, 0.0005m, 0.25m, 0.0001m, 0.00002m, 0.00001m), monthStart.AddDays(-40)));

        GC.Collect();
        var before = Process.GetCurrentProcess().WorkingSet64;
        var load = Stopwatch.StartNew();
        var meters = new[] { UsageMeters.ModelInputTokens, UsageMeters.ModelOutputTokens, UsageMeters.ModelCachedTokens, UsageMeters.ToolCalls, UsageMeters.KnowledgeQueries, UsageMeters.TriggerEvents, UsageMeters.RunSeconds };
        var models = new[] { "gpt-4o", "gpt-4o-mini", "offline", "custom-a", "custom-b" };
        var span = (long)(now - monthStart).TotalMilliseconds;
        const int batch = 10_000;
        for (var b = 0; b < count / batch; b++)
        {
            var list = new UsageEvent[batch];
            for (var i = 0; i < batch; i++)
            {
                var n = b * batch + i;
                var meter = meters[n % meters.Length];
                list[i] = new UsageEvent(tenant, $"e{n}", meter, 1 + n % 977, monthStart.AddMilliseconds(n % Math.Max(1, span)),
                    Model: meter.StartsWith("model.", StringComparison.Ordinal) ? models[n / meters.Length % models.Length] : null,
                    Tool: meter == UsageMeters.ToolCalls ? "crm.lookup" : null, AgentId: $"agt_{n % 20}", UserId: $"usr_{n % 7}", RunId: $"run_{n / 9}");
            }
            await usage.AppendAsync(list);
        }
        load.Stop();
        GC.Collect();
        var loaded = Process.GetCurrentProcess().WorkingSet64;
        Print($"loaded {count:N0} usage events in {load.Elapsed.TotalSeconds:F1} s; working set {before / 1048576.0:F0} MB before, {loaded / 1048576.0:F0} MB after (events live in SQLite on disk: {new FileInfo(Path.Combine(directory, "invoice.db")).Length / 1048576.0:F0} MB file)");

        var invoices = new InvoiceService(usage, documents, plans, time, NullLogger<InvoiceService>.Instance);
        var timings = new List<double>();
        InvoiceDraft? draft = null;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            draft = await invoices.GenerateAsync(tenant, period);
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        Print($"invoice draft over {count:N0} events: first {timings[0]:F0} ms, then median {timings.Skip(1).Order().ElementAt(2):F0} ms (5 runs; revision {draft!.Revision}, {draft.Lines.Count} lines, total {draft.Total} {draft.Currency}; the same draft each time)");
        documents.Dispose();
    }

    private static async Task CostTableAsync(string directory)
    {
        // The Azure adapters themselves, over the test suite's Cosmos container doubles (Moq at the SDK boundary): what is
        // counted is what CosmosDocumentStore and CosmosUsageStore send, bodies and envelopes included.
        var cosmos = new AgentFunctions.Tests.Storage.CosmosContainerDouble();
        var usageContainer = new AgentFunctions.Tests.Usage.UsageContainerDouble();
        var counted = new CountingDocumentStore(new AgentFunctions.Azure.Documents.CosmosDocumentStore(cosmos.Container));
        var usage = new CountingUsageStore(new AgentFunctions.Azure.Usage.CosmosUsageStore(usageContainer.Container));
        var time = TimeProvider.System;
        var plans = new PlanService(counted, time, NullLogger<PlanService>.Instance);
        var tally = new UsageTally(usage, time);
        var recorder = new UsageRecorder(usage, tally, NullLogger<UsageRecorder>.Instance);
        var limits = new UsageLimits(plans, tally, counted, time);
        var meter = new RunUsageMeter(recorder, limits, counted, time);
        var models = new ServiceCollection()
            .AddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey)
            .AddSingleton<IChatModelRouter, ChatModelRouter>()
            .BuildServiceProvider();
        var options = new EngineOptions();
        var activities = new AgentRunActivities(counted, new ClockCatalog(), new ClockTool(time), models.GetRequiredService<IChatModelRouter>(),
            new EmptyKnowledgeRetriever(), time, options, NullLogger<AgentRunActivities>.Instance,
            // As in Azure: the run's transcript in the document store, so its writes are Cosmos writes.
            new StoredRunTranscript(counted), meter);
        var registry = AgentRunActivities.Register(new OrchestrationRegistry(), activities);
        var journal = new CountingJournal(new FileOrchestrationJournal(Path.Combine(directory, "orchestration-cost")));
        await using var runner = new LocalOrchestrationRunner(journal, registry, time, NullLogger.Instance);
        await runner.ResumeAsync();
        var runs = new RunService(counted, runner, time, options, limits);
        var caller = new Caller(new TenantId("ten_cost"), "usr_cost", Role.Admin, "key_cost", ["team_cost"]);
        var now = time.GetUtcNow();
        await counted.For(caller.Tenant).CreateAsync(new Tenant(caller.Tenant.Value, caller.Tenant, "Cost", "free", null, "team_cost", now));
        var spec = new AgentSpec("Cost", null, AgentScope.User, "offline", "You are cheap.", [], [BuiltinToolNames.CurrentTime], KnowledgeSettings.Off, 0, AgentLimits.Default);
        await counted.For(caller.Tenant).CreateAsync(new Agent("agt_cost", caller.Tenant, caller.UserId, "team_cost", true, 1, 1, spec, now, now));

        // Warm: one run (it reads the plan and the month's usage total once), then count ten.
        await RunOnceAsync(runs, caller);
        counted.Reset();
        usage.Reset();
        journal.Reset();
        cosmos.Calls.Clear();
        usageContainer.Calls.Clear();
        var usageItemsBefore = usageContainer.Items(caller.Tenant.Value).Count;
        const int measured = 10;
        RunView? view = null;
        for (var i = 0; i < measured; i++) view = await RunOnceAsync(runs, caller);

        var port = counted.Snapshot(measured);
        var writes = 0;
        var deletes = 0;
        long writtenBytes = 0;
        double writeRu = 0;
        void Write(System.Text.Json.Nodes.JsonObject body)
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(body.ToJsonString());
            writes++;
            writtenBytes += bytes;
            writeRu += CostModel.WriteRu(bytes);
        }
        foreach (var call in cosmos.Calls)
        {
            switch (call.Operation)
            {
                case "Create" or "Upsert" or "Replace":
                    Write(call.Body!);
                    break;
                case "Delete":
                    deletes++;
                    break;
                case "Batch":
                    foreach (var op in call.Batch!)
                    {
                        if (op.Operation == "Delete") deletes++;
                        else Write(op.Body!);
                    }
                    break;
            }
        }
        // Which documents: the item id is "type:docId", the query names its type as a parameter.
        static string KindOf(string? itemId) => itemId is null ? "?" : itemId.Split(':')[0];
        var breakdown = cosmos.Calls
            .SelectMany(call => call.Operation == "Batch"
                ? call.Batch!.Select(op => (Operation: op.Operation, Kind: op.Body?["type"]?.GetValue<string>() ?? KindOf(op.Id)))
                : [(Operation: call.Operation, Kind: call.Operation == "Query"
                    ? call.Query!.GetQueryParameters().FirstOrDefault(p => p.Name == "@type").Value as string ?? "?"
                    : call.Body?["type"]?.GetValue<string>() ?? KindOf(call.ItemId))])
            .GroupBy(x => $"{x.Operation} {x.Kind}")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count() / (double)measured:F1}"));
        var usageItems = usageContainer.Items(caller.Tenant.Value);
        var newUsage = usageItems.Skip(usageItemsBefore).ToList();
        var usageRu = newUsage.Sum(item => CostModel.WriteRu(System.Text.Encoding.UTF8.GetByteCount(item.ToJsonString())));
        // The local runner journals an activity as "activity:{name}" and a child run as "orchestration:{name}:{id}".
        var activityCount = journal.Operations.Where(o => o.Key.StartsWith("activity:", StringComparison.Ordinal)).Sum(o => o.Value) / (double)measured;
        var childRuns = journal.Operations.Where(o => o.Key.StartsWith("orchestration:", StringComparison.Ordinal)).Sum(o => o.Value) / (double)measured;
        var starts = journal.Starts / (double)measured;
        var run = new RunOperations(
            activityCount, starts, starts + activityCount + childRuns,
            port.PointReads, port.Queries, port.QueryDocuments, writes / (double)measured, writeRu / measured, deletes / (double)measured, writtenBytes / 1024.0 / measured,
            usageContainer.Calls.Count(c => c.Operation == "Create") / (double)measured, usageRu / measured, usage.Totals / (double)measured);

        var steps = view!.Steps.Count(s => s.Kind is RunStepKind.ModelCall or RunStepKind.ToolCall);
        Print(string.Create(CultureInfo.InvariantCulture, $"3-step run ({steps} model and tool steps), counted on the real code path through the Cosmos adapters at the SDK boundary, mean of {measured} runs:"));
        Print(string.Create(CultureInfo.InvariantCulture, $"  orchestration: {run.OrchestrationStarts:F1} start, {run.Activities:F1} activities ({string.Join(", ", journal.Operations.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key.Replace("activity:", string.Empty, StringComparison.Ordinal)} {o.Value / (double)measured:F1}"))}), {run.Episodes:F1} Durable episodes at most"));
        Print(string.Create(CultureInfo.InvariantCulture, $"  documents: {run.PointReads:F1} point reads, {run.Queries:F1} queries returning {run.QueryDocuments:F1} documents, {run.Writes:F1} writes ({run.WrittenKb:F1} KB, {run.WriteRu:F1} RU), {run.Deletes:F1} deletes: {run.DocumentRu:F1} RU"));
        Print("  document calls per run by operation and type: " + string.Join(", ", breakdown));
        Print(string.Create(CultureInfo.InvariantCulture, $"  usage: {run.UsageAppends:F1} items created ({run.UsageRu:F1} RU), {run.BudgetReads:F2} budget reads (cached per tenant for {UsageTally.RefreshAfter.TotalSeconds:F0} s per instance)"));
        foreach (var line in CostModel.Table(run)) Print(line);
        foreach (var line in CostModel.OtherRows()) Print(line);
    }

    private static async Task<RunView> RunOnceAsync(RunService runs, Caller caller)
    {
        var run = await runs.StartAsync(caller, "agt_cost", "/repeat 2 builtin.current_time {}", null);
        var view = await runs.WaitAsync(caller, run.Id, TimeSpan.FromSeconds(60));
        if (view.Status != RunStatus.Completed) throw new InvalidOperationException($"Run ended {view.Status}: {view.Reason}");
        return view;
    }

    private static UsageEvent Event(TenantId tenant, string key, DateTimeOffset at, int i) =>
        new(tenant, key, UsageMeters.ModelInputTokens, 100 + i % 50, at, Model: "gpt-4o", AgentId: "agt_1", UserId: "usr_1", RunId: "run_" + key, RootRunId: "run_" + key);

    private static void Print(string line)
    {
        Console.WriteLine("USAGE-FIGURES " + line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "af-usage-figures.txt"), line + Environment.NewLine);
    }

    private sealed class ClockCatalog : IToolCatalog
    {
        private static readonly ResolvedTool Clock = new(BuiltinToolNames.CurrentTime, "Current UTC time",
            System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{},"additionalProperties":false}""").RootElement.Clone(), ToolKind.Builtin, false);

        public Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ResolvedTool>>([Clock]);
    }

    private sealed class ClockTool(TimeProvider time) : IToolExecutor
    {
        public Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ToolResult(true, time.GetUtcNow().ToString("O"), null, 1, TimeSpan.Zero));
    }
}
