using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// What the append log adds to the contract: writes acknowledged once logged and filled into SQLite after, so a crash
/// between the two (the fill held back here, then the store dropped as a kill would leave it) loses nothing and
/// duplicates nothing; the set of known ids rebuilt at start keeps creates exact across restarts.
/// </summary>
public sealed class AppendLogDocumentStoreTests : IDisposable
{
    private static readonly TenantId Tenant = new("tenant-a");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-append-log-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(directory, "events.db");

    private string LogDirectory => Path.Combine(directory, "log");

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task CrashBetweenAppendAndFill_Restart_FillsEveryRecordOnce()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var held = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { HoldFill = true }))
        {
            var documents = held.For(Tenant);
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => documents.CommitAsync(Delivery(i))));
            await documents.CommitAsync([DocumentWrite.Delete("hook_event", "evt-0007")]);

            // Acknowledged and readable, yet not in SQLite.
            Assert.NotNull(await documents.ReadAsync("hook_key", "key-3"));
            Assert.Null(await documents.ReadAsync("hook_event", "evt-0007"));
            Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_key", "key-3"));
        }

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            Assert.Equal(201, store.ReplayedAtStart);
            var documents = store.For(Tenant);
            Assert.Equal(200, (await documents.QueryAsync("hook_key", [])).Count);
            Assert.Equal(199, (await documents.QueryAsync("hook_event", [])).Count);
            // The dedupe keys are known again: the same delivery is refused, a new one is not.
            await Assert.ThrowsAsync<DocumentConflictException>(() => documents.CommitAsync(Delivery(5)));
            await documents.CommitAsync(Delivery(500));
        }

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            Assert.Equal(0, store.ReplayedAtStart);
            Assert.Equal(201, (await store.For(Tenant).QueryAsync("hook_key", [])).Count);
            Assert.Single(Directory.GetFiles(LogDirectory, "*.log"));
        }
    }

    [Fact]
    public async Task CrashAcrossSeveralZeroFilledSegments_Restart_ReplaysEveryRecord()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var held = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { HoldFill = true, SegmentBytes = 4096 }))
        {
            var documents = held.For(Tenant);
            for (var i = 0; i < 120; i++) await documents.CommitAsync(Delivery(i));
        }
        // Each segment is zero-filled ahead of its records (so a group commit's fdatasync writes no metadata): the closed
        // ones end in zeros, which is not corruption.
        var segments = Directory.GetFiles(LogDirectory, "*.log");
        Assert.True(segments.Length > 2, string.Join(", ", segments));
        Assert.All(segments, path => Assert.True(new FileInfo(path).Length >= 64 * 1024, path));

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            Assert.Equal(120, store.ReplayedAtStart);
            var documents = store.For(Tenant);
            Assert.Equal(120, (await documents.QueryAsync("hook_key", [])).Count);
            await Assert.ThrowsAsync<DocumentConflictException>(() => documents.CommitAsync(Delivery(119)));
        }
    }

    [Fact]
    public async Task ClosedSegment_WithBytesAfterItsRecordsThatAreNotZeros_IsRefusedAsCorrupt()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var held = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { HoldFill = true, SegmentBytes = 4096 }))
        {
            var documents = held.For(Tenant);
            for (var i = 0; i < 60; i++) await documents.CommitAsync(Delivery(i));
        }
        var first = Directory.GetFiles(LogDirectory, "*.log").Order(StringComparer.Ordinal).First();
        using (var file = File.OpenWrite(first))
        {
            file.Position = file.Length - 1;
            file.WriteByte(0x5A);
        }

        using var reopened = new SqliteDocumentStore(DatabasePath);
        Assert.Throws<IOException>(() => new AppendLogDocumentStore(LogDirectory, reopened));
    }

    [Fact]
    public async Task ReplayTwice_AfterACrashDuringTheFirstReplay_ChangesNothing()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var held = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { HoldFill = true }))
        {
            var documents = held.For(Tenant);
            for (var i = 0; i < 20; i++) await documents.CommitAsync(Delivery(i));
            var first = (await documents.ReadAsync("hook_event", "evt-0000"))!;
            await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Replace, "hook_event", "evt-0000", Json("""{"status":"started"}"""), first.ETag)]);
        }
        // A copy of the log as it was, standing for a fill that committed and a crash before the segments were deleted.
        var saved = Directory.GetFiles(LogDirectory, "*.log").ToDictionary(p => p, File.ReadAllBytes);
        string etag;
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            etag = (await store.For(Tenant).ReadAsync("hook_event", "evt-0000"))!.ETag;
        }
        foreach (var (path, bytes) in saved) File.WriteAllBytes(path, bytes);

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            Assert.Equal(0, store.ReplayedAtStart); // SQLite's checkpoint covers all of it
            var documents = store.For(Tenant);
            var replaced = (await documents.ReadAsync("hook_event", "evt-0000"))!;
            Assert.Equal(etag, replaced.ETag);
            Assert.Contains("started", Encoding.UTF8.GetString(replaced.Json.Span), StringComparison.Ordinal);
            Assert.Equal(20, (await documents.QueryAsync("hook_event", [])).Count);
            // ETags continue after the highest issued, so a stale If-Match cannot match a new version.
            var next = await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Upsert, "hook_event", "evt-0001", Json("""{"status":"x"}"""))]);
            Assert.True(Convert.ToInt64(next[0], 16) > Convert.ToInt64(etag, 16));
        }
    }

    [Fact]
    public async Task SameIdInOneGroupCommit_ExactlyOneCreateWins()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite);
        var documents = store.For(Tenant);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            try
            {
                await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "hook_key", "same", Json("""{"n":1}"""))]);
                return true;
            }
            catch (DocumentConflictException)
            {
                return false;
            }
        }));

        Assert.Equal(1, attempts.Count(won => won));
        await store.WaitFilledAsync();
        Assert.Single(await sqlite.For(Tenant).QueryAsync("hook_key", []));
    }

    [Fact]
    public async Task Query_RightAfterCommit_SeesTheRecord_AndFilledSegmentsAreDeleted()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { SegmentBytes = 4096, FillBatchWrites = 16, MaxUnfilledWrites = 64 });
        var documents = store.For(Tenant);

        for (var i = 0; i < 100; i++)
        {
            await documents.CommitAsync(Delivery(i));
            var page = await documents.QueryPageAsync("hook_event", [], new DocumentPageRequest(1, null, Descending: true));
            Assert.Equal($"evt-{i:d4}", Assert.Single(page.Items).Id);
        }

        Assert.True(Directory.GetFiles(LogDirectory, "*.log").Length <= 2, string.Join(", ", Directory.GetFiles(LogDirectory)));
    }

    [Fact]
    public async Task FailedFsync_RefusesTheBatch_AndEveryWriteAfter_UntilReopened()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { Durability = AppendLogDurability.PowerLoss }))
        {
            var documents = store.For(Tenant);
            await documents.CommitAsync(Delivery(1));
            store.BeforeGroupFsync = () => throw new IOException("disk gone");

            await Assert.ThrowsAsync<IOException>(() => documents.CommitAsync(Delivery(2)));
            store.BeforeGroupFsync = null;
            await Assert.ThrowsAsync<IOException>(() => documents.CommitAsync(Delivery(3)));
            Assert.NotNull(await documents.ReadAsync("hook_key", "key-1"));
            Assert.Null(await documents.ReadAsync("hook_key", "key-2"));
        }

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite))
        {
            var documents = store.For(Tenant);
            Assert.NotNull(await documents.ReadAsync("hook_key", "key-1"));
            await documents.CommitAsync(Delivery(3));
        }
    }

    [Fact]
    public async Task PowerLoss_ACommit_IsAcknowledgedOnlyAfterItsFsync()
    {
        // Made before the store and set in any case: a failed assertion must not leave the store's close waiting on the hook.
        using var fsyncMayRun = new ManualResetEventSlim();
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { Durability = AppendLogDurability.PowerLoss });
        store.BeforeGroupFsync = () => fsyncMayRun.Wait();
        try
        {
            var commit = store.For(Tenant).CommitAsync(Delivery(1));
            Assert.NotSame(commit, await Task.WhenAny(commit, Task.Delay(300)));
            fsyncMayRun.Set();
            await commit;
        }
        finally
        {
            fsyncMayRun.Set();
        }
    }

    [Fact]
    public async Task ProcessCrash_ACommit_IsAcknowledgedOnceWritten_ReadableAtOnce_FilledOnlyAfterItsFsync_WhichNoCommitWaitsFor()
    {
        // Made before the store, so they outlive its disposal; fsyncMayRun is set in any case (a failed assertion must not
        // leave the store's close waiting on the hook).
        using var fsyncMayRun = new ManualResetEventSlim();
        using var fsyncStarted = new ManualResetEventSlim();
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { SyncInterval = TimeSpan.FromMilliseconds(1), FillInterval = TimeSpan.Zero });
        store.BeforeGroupFsync = () =>
        {
            fsyncStarted.Set();
            fsyncMayRun.Wait();
        };
        try
        {
            var documents = store.For(Tenant);

            // Acknowledged while its fsync is held: the record is in the segment file (the page cache a killed process leaves).
            await documents.CommitAsync(Delivery(1)).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, store.DurableSequence);
            Assert.NotNull(await documents.ReadAsync("hook_event", "evt-0001"));
            var segment = Assert.Single(Directory.GetFiles(LogDirectory, "*.log"));
            using (var file = new FileStream(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                var bytes = new byte[file.Length];
                file.ReadExactly(bytes);
                Assert.Contains("evt-0001", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            }

            // The sync falls due by itself, with no further commit; until it returns, SQLite is not filled with the write.
            Assert.True(fsyncStarted.Wait(TimeSpan.FromSeconds(30)), "no fsync without a further commit");
            // The fsync runs on its own thread: while it is held, the flusher still writes and acknowledges commits.
            await documents.CommitAsync(Delivery(2)).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(await documents.ReadAsync("hook_event", "evt-0002"));
            await Task.Delay(200);
            Assert.Equal(0, store.FilledSequence);
            Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0001"));
            fsyncMayRun.Set();
            await store.WaitFilledAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, store.FilledSequence);
            Assert.NotNull(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0001"));
            Assert.NotNull(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0002"));
        }
        finally
        {
            fsyncMayRun.Set();
        }
    }

    [Fact]
    public async Task ProcessCrash_AQuery_HasTheWrittenRecordsSyncedAndFilledAtOnce()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { SyncInterval = TimeSpan.FromSeconds(10), FillInterval = TimeSpan.FromSeconds(10) });
        var documents = store.For(Tenant);
        await documents.CommitAsync(Delivery(1));

        // Neither the 10 s sync nor the 10 s fill is waited for: the query asks for both.
        var page = await documents.QueryPageAsync("hook_event", [], new DocumentPageRequest(10, null)).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("evt-0001", Assert.Single(page.Items).Id);
    }

    [Fact]
    public async Task ProcessCrash_AFailedBackgroundFsync_IsNotRetried_RefusesEveryWriteAfter_QueriesStillAnswer()
    {
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { SyncInterval = TimeSpan.FromMilliseconds(1) }))
        {
            var documents = store.For(Tenant);
            await documents.CommitAsync(Delivery(1));
            await store.WaitFilledAsync();
            var calls = 0;
            using var failed = new ManualResetEventSlim();
            // Fails once: a second fsync after a failed one can report success with the failed pages dropped, so it
            // must not be tried (nor the writes it covered filled) again.
            store.BeforeGroupFsync = () =>
            {
                if (Interlocked.Increment(ref calls) > 1) return;
                failed.Set();
                throw new IOException("disk gone");
            };

            await documents.CommitAsync(Delivery(2)); // acknowledged once written; its fsync then fails
            Assert.True(failed.Wait(TimeSpan.FromSeconds(30)));
            var refused = await Assert.ThrowsAsync<IOException>(async () =>
            {
                // The failure is recorded just after the hook throws: a commit racing it may still be taken, not one after.
                for (var i = 3; i < 100; i++)
                {
                    await documents.CommitAsync(Delivery(i));
                    await Task.Delay(10);
                }
            });
            Assert.Contains("refuses writes", refused.Message, StringComparison.Ordinal);

            // A query answers from what was synced (it would otherwise wait for writes that can never be filled).
            var events = await documents.QueryAsync("hook_event", []).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains(events, e => e.Id == "evt-0001");
            await Task.Delay(200);
            Assert.Equal(1, Volatile.Read(ref calls));
            Assert.NotNull(await documents.ReadAsync("hook_key", "key-2"));
            Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_key", "key-2"));
            Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0002"));
        }
    }

    [Fact]
    public async Task ProcessCrash_Dispose_SyncsAndFillsWhatWasWrittenSinceTheLastSync()
    {
        var syncs = 0;
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        {
            using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { SyncInterval = TimeSpan.FromSeconds(10), FillInterval = TimeSpan.FromSeconds(10) }))
            {
                store.BeforeGroupFsync = () => Interlocked.Increment(ref syncs);
                await store.For(Tenant).CommitAsync(Delivery(1));
                Assert.Equal(0, Volatile.Read(ref syncs));
            }
            Assert.Equal(1, Volatile.Read(ref syncs));
            Assert.NotNull(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0001"));
        }
    }

    [Fact]
    public void SecondStore_OnTheSameLog_IsRefused()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite);

        Assert.ThrowsAny<IOException>(() => new AppendLogDocumentStore(LogDirectory, sqlite));
    }

    [Fact]
    public async Task DeferredKeys_WaitOutsideSqlite_ReadAndRefusedFromMemory_CheckpointHeldBelowThem()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions
        {
            SegmentBytes = 4096,
            DeferredKinds = ["hook_key"],
            DeferredFillInterval = TimeSpan.FromHours(1),
        });
        var documents = store.For(Tenant);
        for (var i = 0; i < 100; i++) await documents.CommitAsync(Delivery(i));
        await store.WaitFilledAsync(includeDeferred: false);

        // The events are in SQLite; the keys wait, readable, and a redelivery is refused by them.
        Assert.Equal(100, store.DeferredWaiting);
        Assert.NotNull(await sqlite.For(Tenant).ReadAsync("hook_event", "evt-0099"));
        Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_key", "key-3"));
        Assert.Contains("evt-0003", Encoding.UTF8.GetString((await documents.ReadAsync("hook_key", "key-3"))!.Json.Span), StringComparison.Ordinal);
        await Assert.ThrowsAsync<DocumentConflictException>(() => documents.CommitAsync(Delivery(3)));
        // A delete while the key waits wins over it, and a newer put replaces it.
        await documents.CommitAsync([DocumentWrite.Delete("hook_key", "key-4")]);
        await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Upsert, "hook_key", "key-5", Json("""{"event_id":"evt-again"}"""))]);
        await store.WaitFilledAsync(includeDeferred: false);
        Assert.Null(await documents.ReadAsync("hook_key", "key-4"));
        Assert.Contains("evt-again", Encoding.UTF8.GetString((await documents.ReadAsync("hook_key", "key-5"))!.Json.Span), StringComparison.Ordinal);
        Assert.Equal(99, store.DeferredWaiting);
        // SQLite's checkpoint stays below the first waiting key, so the segments holding them are kept for a restart.
        Assert.True(store.FilledSequence < store.DurableSequence, $"{store.FilledSequence} < {store.DurableSequence}");
        Assert.True(Directory.GetFiles(LogDirectory, "*.log").Length > 2);

        // A query of another kind does not wait for them (nor fill them); one of theirs waits for every durable write:
        // the keys are filled (sorted, in one go), the checkpoint moves on and the segments go.
        Assert.Equal(100, (await documents.QueryAsync("hook_event", [])).Count);
        Assert.Equal(99, store.DeferredWaiting);
        var keys = await documents.QueryAsync("hook_key", []);
        Assert.Equal(99, keys.Count);
        Assert.DoesNotContain(keys, k => k.Id == "key-4");
        Assert.Equal(0, store.DeferredWaiting);
        Assert.Equal(store.DurableSequence, store.FilledSequence);
        Assert.Equal(99, (await sqlite.For(Tenant).QueryAsync("hook_key", [])).Count);
        Assert.Contains("evt-again", Encoding.UTF8.GetString((await sqlite.For(Tenant).ReadAsync("hook_key", "key-5"))!.Json.Span), StringComparison.Ordinal);
        Assert.True(Directory.GetFiles(LogDirectory, "*.log").Length <= 2, string.Join(", ", Directory.GetFiles(LogDirectory)));
    }

    [Fact]
    public async Task DeferredKey_WithALoneSurrogateInItsId_IsFoundWhileItWaits()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions { DeferredKinds = ["hook_key"], DeferredFillInterval = TimeSpan.FromHours(1) });
        var documents = store.For(Tenant);
        var id = "key-\uD800";
        await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "hook_key", id, Json("""{"event_id":"evt-1"}"""))]);
        await store.WaitFilledAsync(includeDeferred: false);

        Assert.Equal(1, store.DeferredWaiting);
        Assert.NotNull(await documents.ReadAsync("hook_key", id));
        await Assert.ThrowsAsync<DocumentConflictException>(() => documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "hook_key", id, Json("""{"event_id":"evt-2"}"""))]));
    }

    [Fact]
    public async Task DeferredKeys_EveryWaitingPutSuperseded_CheckpointMovesInSqlite_LogOpensAgain()
    {
        var options = new AppendLogDocumentStoreOptions { SegmentBytes = 4096, DeferredKinds = ["hook_key"], DeferredFillInterval = TimeSpan.FromHours(1) };
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, options))
        {
            var documents = store.For(Tenant);
            await documents.CommitAsync(Delivery(0));
            // Events only, across several segments, then the one waiting key deleted: nothing is left to fill, yet the
            // checkpoint held below it must move in SQLite before the segments below go.
            for (var i = 1; i < 60; i++) await documents.CommitAsync([Delivery(i)[1]]);
            await documents.CommitAsync([DocumentWrite.Delete("hook_key", "key-0")]);
            await store.WaitFilledAsync(includeDeferred: false);
            Assert.Equal(0, store.DeferredWaiting);
            await store.WaitFilledAsync();
            Assert.Equal(store.DurableSequence, store.FilledSequence);
        }

        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, options))
        {
            var documents = store.For(Tenant);
            Assert.Null(await documents.ReadAsync("hook_key", "key-0"));
            Assert.Equal(60, (await documents.QueryAsync("hook_event", [])).Count);
        }
    }

    [Fact]
    public async Task DeferredKeys_CrashWhileTheyWait_RestartFillsThemFromTheLog()
    {
        var options = new AppendLogDocumentStoreOptions { DeferredKinds = ["hook_key"], DeferredFillInterval = TimeSpan.FromHours(1) };
        var image = Path.Combine(directory, "image");
        using (var sqlite = new SqliteDocumentStore(DatabasePath))
        using (var store = new AppendLogDocumentStore(LogDirectory, sqlite, options))
        {
            var documents = store.For(Tenant);
            for (var i = 0; i < 50; i++) await documents.CommitAsync(Delivery(i));
            await documents.CommitAsync([DocumentWrite.Delete("hook_key", "key-1")]);
            await documents.CommitAsync([new DocumentWrite(DocumentWriteMode.Upsert, "hook_key", "key-2", Json("""{"event_id":"evt-again"}"""))]);
            await store.WaitFilledAsync(includeDeferred: false);
            Assert.Equal(49, store.DeferredWaiting);
            // What a kill -9 here would leave on disk: SQLite (database and its WAL) with the events and a checkpoint
            // below the keys, and the log. Copied while nothing writes (the fill is done, the keys wait).
            CopyFolder(directory, image);
        }

        using (var sqlite = new SqliteDocumentStore(Path.Combine(image, "events.db")))
        {
            Assert.Null(await sqlite.For(Tenant).ReadAsync("hook_key", "key-0"));
            using var store = new AppendLogDocumentStore(Path.Combine(image, "log"), sqlite, options);
            Assert.Equal(52, store.ReplayedAtStart);
            var documents = store.For(Tenant);
            Assert.Equal(49, (await sqlite.For(Tenant).QueryAsync("hook_key", [])).Count);
            Assert.Null(await documents.ReadAsync("hook_key", "key-1"));
            Assert.Contains("evt-again", Encoding.UTF8.GetString((await documents.ReadAsync("hook_key", "key-2"))!.Json.Span), StringComparison.Ordinal);
            Assert.Equal(50, (await documents.QueryAsync("hook_event", [])).Count);
            await Assert.ThrowsAsync<DocumentConflictException>(() => documents.CommitAsync(Delivery(7)));
        }
    }

    [Fact]
    public async Task DeferredKeys_FilledAtTheirInterval_WithoutAQuery()
    {
        using var sqlite = new SqliteDocumentStore(DatabasePath);
        using var store = new AppendLogDocumentStore(LogDirectory, sqlite, new AppendLogDocumentStoreOptions
        {
            DeferredKinds = ["hook_key"],
            DeferredFillInterval = TimeSpan.FromMilliseconds(100),
        });
        var documents = store.For(Tenant);
        for (var i = 0; i < 10; i++) await documents.CommitAsync(Delivery(i));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (store.FilledSequence < store.DurableSequence) await Task.Delay(20, timeout.Token);
        Assert.Equal(0, store.DeferredWaiting);
        Assert.Equal(10, (await sqlite.For(Tenant).QueryAsync("hook_key", [])).Count);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        // The log's lock file holds nothing: a process's hold on it ends with the process.
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != "lock")) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from))
        {
            if (Path.GetFullPath(folder) != Path.GetFullPath(to)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    /// <summary>A delivery as the intake writes it: its dedupe key and its event, in one batch.</summary>
    private static DocumentWrite[] Delivery(int n) =>
    [
        new(DocumentWriteMode.Create, "hook_key", $"key-{n}", Json($$"""{"event_id":"evt-{{n:d4}}"}""")),
        new(DocumentWriteMode.Create, "hook_event", $"evt-{n:d4}", Json($$"""{"n":{{n}},"status":"queued"}""")),
    ];

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
