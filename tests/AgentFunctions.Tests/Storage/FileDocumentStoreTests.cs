using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>What only the local store has to get right: the log, replay, compaction, failures and concurrency.</summary>
public sealed class FileDocumentStoreTests : IDisposable
{
    private static readonly TenantId Tenant = new("t1");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-store-" + Guid.NewGuid().ToString("N"));

    private string LogPath => Path.Combine(directory, "documents.log");

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Reopen_AfterTornTail_KeepsWholeBatchesOnly()
    {
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", """{"v":1}""")]);
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "b", """{"v":2}"""), Json(DocumentWriteMode.Create, "c", """{"v":3}""")]);
        }

        var length = new FileInfo(LogPath).Length;
        using (var file = new FileStream(LogPath, FileMode.Open)) file.SetLength(length - 3);

        using var reopened = new FileDocumentStore(directory);
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "a"));
        Assert.Null(await reopened.For(Tenant).ReadAsync("k", "b"));
        Assert.Null(await reopened.For(Tenant).ReadAsync("k", "c"));
        Assert.True(new FileInfo(LogPath).Length < length - 3);
    }

    [Fact]
    public async Task Reopen_AfterGarbageTail_CutsItOffAndKeepsAppending()
    {
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", """{"v":1}""")]);
        }
        var clean = new FileInfo(LogPath).Length;
        await File.AppendAllTextAsync(LogPath, "\u0010\0\0\0garbage-that-fails-its-crc");

        using (var store = new FileDocumentStore(directory))
        {
            Assert.Equal(clean, store.LogLength);
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "b", """{"v":2}""")]);
        }

        using var reopened = new FileDocumentStore(directory);
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "a"));
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "b"));
    }

    [Fact]
    public async Task Reopen_AfterCommits_SameRecordsAndEtags()
    {
        IReadOnlyList<string?> etags;
        using (var store = new FileDocumentStore(directory))
        {
            etags = await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", """{"v":1}"""), Json(DocumentWriteMode.Create, "b", """{"v":2}""")]);
            await store.For(Tenant).CommitAsync([DocumentWrite.Delete("k", "b")]);
        }

        using var reopened = new FileDocumentStore(directory);
        var a = await reopened.For(Tenant).ReadAsync("k", "a");
        Assert.Equal((etags[0], """{"v":1}"""), (a!.ETag, Encoding.UTF8.GetString(a.Json.Span)));
        Assert.Null(await reopened.For(Tenant).ReadAsync("k", "b"));
    }

    [Fact]
    public async Task Compact_ThenReopen_KeepsLiveRecordsAndShrinksLog()
    {
        string etag;
        long before;
        using (var store = new FileDocumentStore(directory))
        {
            var docs = store.For(Tenant);
            for (var i = 0; i < 200; i++) await docs.CommitAsync([Json(DocumentWriteMode.Upsert, "hot", $$"""{"v":{{i}}}""")]);
            await docs.CommitAsync([Json(DocumentWriteMode.Create, "gone", "{}")]);
            await docs.CommitAsync([DocumentWrite.Delete("k", "gone")]);
            await store.For(new TenantId("t2")).CommitAsync([Json(DocumentWriteMode.Create, "other", """{"t":2}""")]);
            etag = (await docs.ReadAsync("k", "hot"))!.ETag;
            before = store.LogLength;

            store.Compact();

            Assert.True(store.LogLength < before / 10, $"log {store.LogLength} bytes after compaction, {before} before");
            await docs.CommitAsync([Json(DocumentWriteMode.Create, "after", "{}")]);
        }

        using var reopened = new FileDocumentStore(directory);
        var hot = await reopened.For(Tenant).ReadAsync("k", "hot");
        Assert.Equal((etag, """{"v":199}"""), (hot!.ETag, Encoding.UTF8.GetString(hot.Json.Span)));
        Assert.Null(await reopened.For(Tenant).ReadAsync("k", "gone"));
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "after"));
        Assert.NotNull(await reopened.For(new TenantId("t2")).ReadAsync("k", "other"));
    }

    [Fact]
    public async Task Compact_DeletedRecordRecreatedAfterReopen_StaleEtagStillRejected()
    {
        string staleEtag;
        using (var store = new FileDocumentStore(directory))
        {
            var docs = store.For(Tenant);
            await docs.CommitAsync([Json(DocumentWriteMode.Create, "keep", "{}")]);
            staleEtag = (await docs.CommitAsync([Json(DocumentWriteMode.Create, "x", """{"v":1}""")]))[0]!;
            await docs.CommitAsync([DocumentWrite.Delete("k", "x")]);
            store.Compact();
        }

        using var reopened = new FileDocumentStore(directory);
        var docsAgain = reopened.For(Tenant);
        var fresh = (await docsAgain.CommitAsync([Json(DocumentWriteMode.Create, "x", """{"v":2}""")]))[0];

        Assert.NotEqual(staleEtag, fresh);
        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() =>
            docsAgain.CommitAsync([Json(DocumentWriteMode.Replace, "x", """{"v":3}""") with { IfMatch = staleEtag }]));
    }

    [Fact]
    public async Task Commit_LogOutgrowsLiveData_CompactsByItself()
    {
        var options = new FileDocumentStoreOptions { CompactionMinimumBytes = 8 * 1024, CompactionRatio = 2 };
        using (var store = new FileDocumentStore(directory, options))
        {
            var docs = store.For(Tenant);
            var body = $$"""{"pad":"{{new string('x', 500)}}"}""";
            for (var i = 0; i < 500; i++) await docs.CommitAsync([Json(DocumentWriteMode.Upsert, "hot", body)]);

            // 500 rewrites of one ~0.5 KB record: without compaction the log would be about 250 KB.
            Assert.True(store.LogLength < 16 * 1024, $"log is {store.LogLength} bytes");
        }

        using var reopened = new FileDocumentStore(directory, options);
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "hot"));
    }

    [Fact]
    public async Task Open_LeftoverSnapshotFromInterruptedCompaction_IgnoredAndRemoved()
    {
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", "{}")]);
        }
        var leftover = Path.Combine(directory, "documents.log.compacting");
        await File.WriteAllTextAsync(leftover, "half a snapshot");

        using var reopened = new FileDocumentStore(directory);

        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "a"));
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public async Task Compact_FailsBeforeRename_StoreKeepsWorkingOnOldLog()
    {
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", "{}")]);
            store.CompactionStep = step => { if (step == "snapshot_written") throw new IOException("disk full"); };

            Assert.Throws<IOException>(store.Compact);

            store.CompactionStep = null;
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "b", "{}")]);
            Assert.False(File.Exists(Path.Combine(directory, "documents.log.compacting")));
        }

        using var reopened = new FileDocumentStore(directory);
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "a"));
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "b"));
    }

    [Fact]
    public async Task Compact_FailsAfterRename_RefusesWritesKeepsReadsAndReopenLosesNothing()
    {
        using (var store = new FileDocumentStore(directory))
        {
            await store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", "{}")]);
            store.CompactionStep = step => { if (step == "renamed") throw new IOException("directory fsync failed"); };

            Assert.Throws<IOException>(store.Compact);

            await Assert.ThrowsAsync<IOException>(() => store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "b", "{}")]));
            Assert.NotNull(await store.For(Tenant).ReadAsync("k", "a"));
        }

        using var reopened = new FileDocumentStore(directory);
        Assert.NotNull(await reopened.For(Tenant).ReadAsync("k", "a"));
        Assert.Null(await reopened.For(Tenant).ReadAsync("k", "b"));
        await reopened.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "b", "{}")]);
    }

    [Fact]
    public async Task Commit_WaitingForFsync_InvisibleToReadersButSeenByConflictChecks()
    {
        using var store = new FileDocumentStore(directory);
        var docs = store.For(Tenant);
        using var reached = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        store.BeforeGroupFsync = () =>
        {
            reached.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        };

        var commit = docs.CommitAsync([Json(DocumentWriteMode.Create, "a", """{"v":1}""")]);
        Assert.True(reached.Wait(TimeSpan.FromSeconds(30)), "the flush never started");

        Assert.False(commit.IsCompleted);
        Assert.Null(await docs.ReadAsync("k", "a"));
        Assert.Empty(await docs.QueryAsync("k", []));
        await Assert.ThrowsAsync<DocumentConflictException>(() => docs.CommitAsync([Json(DocumentWriteMode.Create, "a", """{"v":2}""")]));

        store.BeforeGroupFsync = null;
        release.Set();
        var etags = await commit;

        Assert.Equal(etags[0], (await docs.ReadAsync("k", "a"))!.ETag);
    }

    [Fact]
    public async Task Commit_FsyncFails_CommitFailsStorePoisonedReadsKeepDurableState()
    {
        using var store = new FileDocumentStore(directory);
        var docs = store.For(Tenant);
        await docs.CommitAsync([Json(DocumentWriteMode.Create, "durable", "{}")]);
        store.BeforeGroupFsync = () => throw new IOException("EIO");

        await Assert.ThrowsAsync<IOException>(() => docs.CommitAsync([Json(DocumentWriteMode.Create, "lost", "{}")]));

        store.BeforeGroupFsync = null;
        await Assert.ThrowsAsync<IOException>(() => docs.CommitAsync([Json(DocumentWriteMode.Create, "after", "{}")]));
        Assert.Throws<IOException>(store.Compact);
        Assert.NotNull(await docs.ReadAsync("k", "durable"));
        Assert.Null(await docs.ReadAsync("k", "lost"));
    }

    [Fact]
    public void Open_DirectoryAlreadyOpen_SecondOpenRefused()
    {
        if (OperatingSystem.IsWindows()) return; // the exclusive lock tested here is the Unix flock
        using var first = new FileDocumentStore(directory);

        Assert.Throws<IOException>(() => new FileDocumentStore(directory));
    }

    [Fact]
    public async Task Commit_AfterDispose_Refused()
    {
        var store = new FileDocumentStore(directory);
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.For(Tenant).CommitAsync([Json(DocumentWriteMode.Create, "a", "{}")]));
    }

    [Fact]
    public async Task Commit_CallerReusesBuffer_StoredBodyUnchanged()
    {
        using var store = new FileDocumentStore(directory);
        var buffer = Encoding.UTF8.GetBytes("""{"v":1}""");

        await store.For(Tenant).CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "k", "a", buffer)]);
        buffer[5] = (byte)'9';

        Assert.Equal("""{"v":1}""", Encoding.UTF8.GetString((await store.For(Tenant).ReadAsync("k", "a"))!.Json.Span));
    }

    [Fact]
    public async Task Commit_ConcurrentReadModifyWriteWithIfMatch_NoLostUpdates()
    {
        using var store = new FileDocumentStore(directory);
        var docs = store.For(Tenant);
        await docs.CommitAsync([Json(DocumentWriteMode.Create, "counter", """{"n":0}""")]);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                while (true)
                {
                    var current = (await docs.ReadAsync("k", "counter"))!;
                    var n = JsonDocument.Parse(current.Json).RootElement.GetProperty("n").GetInt32();
                    try
                    {
                        await docs.CommitAsync([Json(DocumentWriteMode.Replace, "counter", $$"""{"n":{{n + 1}}}""") with { IfMatch = current.ETag }]);
                        break;
                    }
                    catch (DocumentPreconditionFailedException)
                    {
                        // Someone else's write is on its way to disk; let it land rather than spin on the stale read.
                        await Task.Yield();
                    }
                }
            }
        })));

        var final = (await docs.ReadAsync("k", "counter"))!;
        Assert.Equal(200, JsonDocument.Parse(final.Json).RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Commit_ConcurrentCreatesOfOneId_ExactlyOneWins()
    {
        using var store = new FileDocumentStore(directory);
        var docs = store.For(Tenant);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            try
            {
                await docs.CommitAsync([Json(DocumentWriteMode.Create, "only", $$"""{"by":{{i}}}""")]);
                return true;
            }
            catch (DocumentConflictException)
            {
                return false;
            }
        })));

        Assert.Single(outcomes, won => won);
    }

    [Fact]
    public async Task Read_WhileMultiRecordBatchesCommit_NeverSeesHalfABatch()
    {
        using var store = new FileDocumentStore(directory);
        var docs = store.For(Tenant);
        const int Batches = 300;
        var done = 0;

        var writer = Task.Run(async () =>
        {
            for (var n = 1; n <= Batches; n++)
            {
                var body = $$"""{"n":{{n}}}""";
                await docs.CommitAsync([Json(DocumentWriteMode.Upsert, "first", body), Json(DocumentWriteMode.Upsert, "second", body)]);
            }
            Volatile.Write(ref done, 1);
        });
        var readers = Enumerable.Range(0, 1).Select(_ => Task.Run(async () =>
        {
            var checks = 0;
            while (Volatile.Read(ref done) == 0 || checks == 0)
            {
                // Batches write "first" then "second"; seeing the new "first" and an older "second" would be half a batch.
                var first = await docs.ReadAsync("k", "first");
                var second = await docs.ReadAsync("k", "second");
                var a = first is null ? 0 : JsonDocument.Parse(first.Json).RootElement.GetProperty("n").GetInt32();
                var b = second is null ? 0 : JsonDocument.Parse(second.Json).RootElement.GetProperty("n").GetInt32();
                Assert.True(b >= a, $"saw first={a} but second={b}");
                if (++checks % 64 == 0) await Task.Yield();
            }
            return checks;
        })).ToList();

        await writer;
        Assert.All(await Task.WhenAll(readers), checks => Assert.True(checks > 0));
    }

    private static DocumentWrite Json(DocumentWriteMode mode, string id, string json) =>
        new(mode, "k", id, Encoding.UTF8.GetBytes(json));
}
