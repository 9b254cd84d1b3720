using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

// Commits batches to a FileDocumentStore as fast as it can, from several concurrent writers, until it is killed.
// Prints "ack <writer> <batch>" only after a commit returned (i.e. was fsynced). Each batch of writer w, number n:
//   upserts crash_slot w-0 .. w-3 to {"writer":w,"batch":n,...} (a torn batch would leave the slots disagreeing), and
//   creates crash_marker w-n (so every acknowledged batch leaves a trace that must survive).
// A tiny compaction threshold makes the store rewrite its log over and over, so kills also land mid-compaction.
// With "sqlite" the same runs against the SqliteDocumentStore (one database file in the directory) instead; with "log"
// against the AppendLogDocumentStore in front of it (acknowledged once logged, SQLite filled after), and with "log-held"
// the same with the fill held back, so every kill lands between the log append and the fill; with "log-deferred" the
// markers are a deferred kind (as the local host's dedupe keys are): they wait for a sorted fill of 100 at a time while
// the slots are filled with their batches, so kills land while SQLite's checkpoint is held below waiting markers and
// during their fills; with "log-deferred-slots" the slots are the deferred kind instead, so every batch overwrites puts
// still waiting.
// Usage: AgentFunctions.StoreCrashWriter <directory> [writers] [file|sqlite|log|log-held|log-deferred|log-deferred-slots]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: AgentFunctions.StoreCrashWriter <directory> [writers]");
    return 2;
}

var writers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var tenant = new TenantId("crash");
var mode = args.Length > 2 ? args[2] : "file";
using var sqlite = mode is "sqlite" or "log" or "log-held" or "log-deferred" or "log-deferred-slots" ? new SqliteDocumentStore(Path.Combine(args[0], "crash.db")) : null;
using IDisposable owned = mode switch
{
    "sqlite" => sqlite!,
    // Small segments, so kills also land around segment changes.
    "log" or "log-held" or "log-deferred" or "log-deferred-slots" => new AppendLogDocumentStore(Path.Combine(args[0], "log"), sqlite!, new AppendLogDocumentStoreOptions
    {
        SegmentBytes = 64 * 1024,
        FillBatchWrites = 64,
        HoldFill = mode == "log-held",
        DeferredKinds = mode switch { "log-deferred" => ["crash_marker"], "log-deferred-slots" => ["crash_slot"], _ => [] },
        DeferredFillWrites = 100,
    }),
    _ => new FileDocumentStore(args[0], new FileDocumentStoreOptions { CompactionMinimumBytes = 32 * 1024, CompactionRatio = 2 }),
};
var store = (IDocumentStore)owned;
var documents = store.For(tenant);
var padding = new string('p', 200);

var loops = new List<Task>();
for (var w = 0; w < writers; w++)
{
    var writer = w;
    var last = await documents.ReadAsync("crash_slot", $"{writer}-0");
    var next = last is null ? 1 : JsonDocument.Parse(last.Json).RootElement.GetProperty("batch").GetInt32() + 1;
    loops.Add(Task.Run(async () =>
    {
        for (var batch = next; ; batch++)
        {
            var slot = Encoding.UTF8.GetBytes($$"""{"writer":{{writer}},"batch":{{batch}},"pad":"{{padding}}"}""");
            var writes = new List<DocumentWrite>();
            for (var s = 0; s < 4; s++) writes.Add(new DocumentWrite(DocumentWriteMode.Upsert, "crash_slot", $"{writer}-{s}", slot));
            writes.Add(new DocumentWrite(DocumentWriteMode.Create, "crash_marker", $"{writer}-{batch}", Encoding.UTF8.GetBytes($$"""{"writer":{{writer}},"batch":{{batch}}}""")));
            await documents.CommitAsync(writes);
            Console.Out.WriteLine($"ack {writer} {batch}");
        }
    }));
}
Console.Out.WriteLine("ready");
await Task.WhenAll(loops);
return 0;
