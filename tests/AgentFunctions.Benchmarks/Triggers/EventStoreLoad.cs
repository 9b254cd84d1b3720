using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.LocalHost;
using AgentFunctions.Storage;
using AgentFunctions.Triggers;

namespace AgentFunctions.Benchmarks.Triggers;

/// <summary>
/// Records trigger events through <see cref="EventRecorder"/> (event plus dedupe key, one atomic batch each) from
/// concurrent writers, into the local host's routed store (events in SQLite) or into the file store alone (as before),
/// or through the append log in front of SQLite (<c>log</c>, the local host's default: the time includes filling SQLite;
/// <c>log-undeferred</c>: the same with the dedupe keys filled with their events instead of deferred),
/// and prints events/s, the process's CPU time per event, and the memory the process holds afterwards (managed heap
/// after a full collection, working set).
/// <c>dotnet run -c Release --project tests/AgentFunctions.Benchmarks -- event-store [log|log-undeferred|sqlite|file] [events=1000000] [writers=32]</c>
/// </summary>
public static class EventStoreLoad
{
    public const string Command = "event-store";

    public static async Task<int> RunAsync(string[] args)
    {
        var kind = args.Length > 1 ? args[1] : "sqlite";
        var events = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
        var writers = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 32;
        var directory = Path.Combine(Path.GetTempPath(), "af-event-store-" + Guid.NewGuid().ToString("N"));
        var files = new FileDocumentStore(Path.Combine(directory, "documents"));
        SqliteDocumentStore? sqlite = kind.StartsWith("sqlite", StringComparison.Ordinal) || kind.StartsWith("log", StringComparison.Ordinal) ? new SqliteDocumentStore(Path.Combine(directory, "documents", "append-heavy.db"), kind switch
            {
                "sqlite-noindex" => new SqliteDocumentStoreOptions { IndexedFields = new Dictionary<string, IReadOnlyList<string>>() },
                "sqlite-normal" => new SqliteDocumentStoreOptions { SynchronousFull = false },
                _ => null,
            }) : null;
        var log = kind.StartsWith("log", StringComparison.Ordinal) ? new AppendLogDocumentStore(Path.Combine(directory, "documents", "append-heavy-log"), sqlite!,
            new AppendLogDocumentStoreOptions { DeferredKinds = kind == "log-undeferred" ? [] : LocalStoreKinds.Deferred }) : null;
        IDocumentStore store = sqlite is null ? files : new KindRoutedDocumentStore(files, (IDocumentStore?)log ?? sqlite, LocalStoreKinds.AppendHeavy);
        try
        {
            var tenant = new TenantId("load");
            var documents = store.For(tenant);
            var payload = JsonSerializer.SerializeToElement(new { order = new { id = "o-1", total = 42, lines = new[] { "a", "b", "c" } } });
            var baseline = Memory();
            var next = -1;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var threads = ThreadCpu.Snapshot();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events)
                {
                    var now = DateTimeOffset.UtcNow;
                    var e = new TriggerEvent(string.Empty, tenant, "trg_load", "agt_load", TriggerSystem.Webhook, now, payload,
                        TriggerEventStatus.Queued, null, null, $"msg_{i}", now);
                    await EventRecorder.RecordAsync(documents, e, EventIds.ForWebhook("trg_load", $"msg_{i}"), CancellationToken.None);
                }
            })));
            var acknowledged = clock.Elapsed;
            if (log is not null) await log.WaitFilledAsync();
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var perThread = ThreadCpu.Since(threads);
            var after = Memory();
            Console.WriteLine($"{kind}: {events:N0} events, {writers} writers, {clock.Elapsed.TotalSeconds:F1} s, {events / clock.Elapsed.TotalSeconds:N0} events/s"
                + (log is null ? "" : $" (all acknowledged after {acknowledged.TotalSeconds:F1} s, SQLite filled after {clock.Elapsed.TotalSeconds:F1} s)"));
            Console.WriteLine($"  process CPU {cpu.TotalSeconds:F1} s: {cpu.TotalMicroseconds / events:F1} us per event");
            if (perThread.Count > 0)
            {
                Console.WriteLine("  per thread (us per event):" + string.Concat(perThread.OrderByDescending(t => t.Value)
                    .Where(t => t.Value > TimeSpan.Zero).Select(t => $"  {t.Key} {t.Value.TotalMicroseconds / events:F1}")));
            }
            Console.WriteLine($"  managed heap {baseline.Heap / 1e6:F0} MB -> {after.Heap / 1e6:F0} MB ({(after.Heap - baseline.Heap) / 1e6 * 1_000_000 / events:F0} MB per million events)");
            Console.WriteLine($"  working set  {baseline.WorkingSet / 1e6:F0} MB -> {after.WorkingSet / 1e6:F0} MB");
            return 0;
        }
        finally
        {
            log?.Dispose();
            sqlite?.Dispose();
            files.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (long Heap, long WorkingSet) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return (GC.GetTotalMemory(forceFullCollection: true), Process.GetCurrentProcess().WorkingSet64);
    }
}
