using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>
/// What every <see cref="IKnowledgeIndex"/> adapter must do: search only inside the scope's tenant and knowledge bases,
/// replace a document's chunks as a whole, delete, reuse vectors by content hash within a tenant, and rank in each mode.
/// </summary>
public abstract class KnowledgeIndexContract
{
    protected abstract IKnowledgeIndex CreateIndex();

    private static readonly ITextEmbedder Embedder = MiniLmEmbedder.Shared;

    private static readonly TenantId TenantA = new("ten_contract_a");
    private static readonly TenantId TenantB = new("ten_contract_b");

    protected static async Task<IndexedChunk> ChunkAsync(string documentId, int ordinal, string content, string name = "handbook.md", int? page = null) =>
        new($"{documentId}-v1-{ordinal}", documentId, name, ordinal, content, KnowledgeIngestion.ChunkHash(content),
            new ChunkCitation(["Handbook", "Section"], page, ordinal * 100, ordinal * 100 + content.Length), (await Embedder.EmbedAsync([content]))[0]);

    private static async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IKnowledgeIndex index, IndexScope scope, string text, SearchMode mode, int topK = 5) =>
        await index.SearchAsync(new IndexSearch(scope, text, mode == SearchMode.Keyword ? null : (await Embedder.EmbedAsync([text]))[0], topK, mode));

    [Theory]
    [InlineData(SearchMode.Keyword)]
    [InlineData(SearchMode.Vector)]
    [InlineData(SearchMode.Hybrid)]
    public async Task Search_LookAlikeChunksOfAnotherTenantOrKnowledgeBase_AreNeverReturned(SearchMode mode)
    {
        var index = CreateIndex();
        const string secret = "The vault combination for the Berlin office is 4471.";
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_a"), "doc_a", [await ChunkAsync("doc_a", 0, secret)]);
        // Look-alikes: the same text in another tenant (same knowledge base id, too) and in another knowledge base of the tenant.
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantB, "kb_a"), "doc_b", [await ChunkAsync("doc_b", 0, secret)]);
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_other"), "doc_c", [await ChunkAsync("doc_c", 0, secret)]);

        var hits = await SearchAsync(index, IndexScope.Of(TenantA, "kb_a"), "vault combination Berlin", mode, topK: 10);

        Assert.Equal("doc_a", Assert.Single(hits).DocumentId);
        var fromB = await SearchAsync(index, IndexScope.Of(TenantB, "kb_a"), "vault combination Berlin", mode, topK: 10);
        Assert.Equal("doc_b", Assert.Single(fromB).DocumentId);
    }

    [Theory]
    [InlineData(SearchMode.Keyword)]
    [InlineData(SearchMode.Vector)]
    [InlineData(SearchMode.Hybrid)]
    public async Task Search_RanksTheRelevantChunkFirst_WithCitationAndScoreInRange(SearchMode mode)
    {
        var index = CreateIndex();
        var scope = IndexScope.Of(TenantA, "kb_rank");
        await index.ReplaceDocumentAsync(scope, "doc_1",
        [
            await ChunkAsync("doc_1", 0, "Parking permits are issued by the facilities team every January."),
            await ChunkAsync("doc_1", 1, "Expense reports are due on the fifth working day of each month.", page: 3),
            await ChunkAsync("doc_1", 2, "The cafeteria serves vegetarian lunch on Fridays."),
        ]);

        var hits = await SearchAsync(index, scope, "When are expense reports due?", mode);

        Assert.Equal("doc_1-v1-1", hits[0].ChunkId);
        Assert.Equal(3, hits[0].Citation.Page);
        Assert.Equal(["Handbook", "Section"], hits[0].Citation.HeadingPath);
        Assert.Equal(100, hits[0].Citation.Start);
        Assert.All(hits, h => Assert.InRange(h.Score, 0, 1));
        Assert.Equal(hits.OrderByDescending(h => h.Score).Select(h => h.ChunkId), hits.Select(h => h.ChunkId));
    }

    [Fact]
    public async Task ReplaceDocument_RemovesEveryOldChunk_AndDeleteRemovesTheRest()
    {
        var index = CreateIndex();
        var scope = IndexScope.Of(TenantA, "kb_replace");
        await index.ReplaceDocumentAsync(scope, "doc_r", [await ChunkAsync("doc_r", 0, "Old opening hours are nine to five."), await ChunkAsync("doc_r", 1, "Old holiday rules.")]);
        await index.ReplaceDocumentAsync(scope, "doc_r", [await ChunkAsync("doc_r", 0, "New opening hours are eight to six.") with { ChunkId = "doc_r-v2-0" }]);

        var hits = await SearchAsync(index, scope, "opening hours holiday rules", SearchMode.Hybrid, topK: 10);
        Assert.Equal("doc_r-v2-0", Assert.Single(hits).ChunkId);

        await index.DeleteDocumentAsync(scope, "doc_r");
        Assert.Empty(await SearchAsync(index, scope, "opening hours", SearchMode.Hybrid));
    }

    /// <summary>Searches running while a document is replaced again and again see one whole version each time: never both, never neither.</summary>
    [Fact]
    public async Task ReplaceDocument_ConcurrentSearchesSeeOneWholeVersion()
    {
        var index = CreateIndex();
        var scope = IndexScope.Of(TenantA, "kb_atomic");
        var texts = new[] { "Shuttle buses leave the north gate every hour.", "Shuttle buses stop at the south gate on weekdays.", "Shuttle bus tickets are free for staff." };
        var chunks = new List<IndexedChunk>();
        for (var i = 0; i < texts.Length; i++) chunks.Add(await ChunkAsync("doc_atomic", i, texts[i]));
        IReadOnlyList<IndexedChunk> Version(int v) => [.. chunks.Select(c => c with { ChunkId = $"doc_atomic-v{v}-{c.Ordinal}" })];
        await index.ReplaceDocumentAsync(scope, "doc_atomic", Version(0));
        var query = (await Embedder.EmbedAsync(["shuttle bus gate"]))[0];

        var writer = Task.Run(async () =>
        {
            for (var v = 1; v <= 40; v++) await index.ReplaceDocumentAsync(scope, "doc_atomic", Version(v));
        });
        var searches = 0;
        foreach (var mode in Enumerable.Repeat(new[] { SearchMode.Keyword, SearchMode.Vector, SearchMode.Hybrid }, 30).SelectMany(m => m))
        {
            var hits = await index.SearchAsync(new IndexSearch(scope, "shuttle bus gate", query, 10, mode));
            Assert.Equal(texts.Length, hits.Count);
            Assert.Single(hits.Select(h => h.ChunkId.Split('-')[1]).Distinct());
            searches++;
            if (writer.IsCompleted && searches > 30) break;
        }
        await writer;
        var last = await index.SearchAsync(new IndexSearch(scope, "shuttle bus gate", query, 10, SearchMode.Hybrid));
        Assert.All(last, h => Assert.StartsWith("doc_atomic-v40-", h.ChunkId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteKnowledgeBases_RemovesOnlyThatTenantsKnowledgeBase()
    {
        var index = CreateIndex();
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_del"), "doc_x", [await ChunkAsync("doc_x", 0, "Quarterly targets were met.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantB, "kb_del"), "doc_y", [await ChunkAsync("doc_y", 0, "Quarterly targets were met.")]);

        await index.DeleteKnowledgeBasesAsync(IndexScope.Of(TenantA, "kb_del"));

        Assert.Empty(await SearchAsync(index, IndexScope.Of(TenantA, "kb_del"), "quarterly targets", SearchMode.Keyword));
        Assert.Single(await SearchAsync(index, IndexScope.Of(TenantB, "kb_del"), "quarterly targets", SearchMode.Keyword));
    }

    [Fact]
    public async Task DeleteTenant_RemovesEveryChunkAndVectorOfThatTenantInEveryKnowledgeBase_AndNoOtherTenants()
    {
        var index = CreateIndex();
        var chunk = await ChunkAsync("doc_t", 0, "Tenant deletion removes the quarterly forecast.");
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_one"), "doc_t", [chunk, await ChunkAsync("doc_t", 1, "A second chunk.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_two"), "doc_u", [await ChunkAsync("doc_u", 0, "Tenant deletion removes the quarterly forecast.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantB, "kb_one"), "doc_b", [await ChunkAsync("doc_b", 0, "Tenant deletion removes the quarterly forecast.")]);

        Assert.Equal(3, await index.DeleteTenantAsync(TenantA));

        Assert.Empty(await SearchAsync(index, new IndexScope(TenantA, ["kb_one", "kb_two"]), "quarterly forecast", SearchMode.Keyword));
        Assert.Empty(await index.FindVectorsAsync(TenantA, [chunk.ContentHash]));
        Assert.Single(await SearchAsync(index, IndexScope.Of(TenantB, "kb_one"), "quarterly forecast", SearchMode.Keyword));
        Assert.Single(await index.FindVectorsAsync(TenantB, [chunk.ContentHash]));
        Assert.Equal(0, await index.DeleteTenantAsync(TenantA));
    }

    [Fact]
    public async Task FindVectors_ReturnsStoredVectorsOfTheTenantOnly()
    {
        var index = CreateIndex();
        var chunk = await ChunkAsync("doc_v", 0, "Vectors are reused for equal text.");
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_v"), "doc_v", [chunk]);

        var mine = await index.FindVectorsAsync(TenantA, [chunk.ContentHash, "unknown"]);
        var theirs = await index.FindVectorsAsync(TenantB, [chunk.ContentHash]);

        // Stored as the adapter stores it: the local index keeps half floats (relative error under 0.05%).
        Assert.All(chunk.Vector.Zip(Assert.Single(mine).Value), pair => Assert.Equal(pair.First, pair.Second, 0.0005));
        Assert.Empty(theirs);
    }

    [Fact]
    public async Task FindVectors_MatchesTheWholeHash_NotAHashThatSharesItsBeginning()
    {
        var index = CreateIndex();
        var stored = await ChunkAsync("doc_p", 0, "Hashes that begin alike are different hashes.") with { ContentHash = "0123456789abcdef0123456789abcdef" };
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_p"), "doc_p", [stored]);

        var alike = await index.FindVectorsAsync(TenantA, ["0123456789abcdefffffffffffffffff", "01234567"]);
        var exact = await index.FindVectorsAsync(TenantA, ["0123456789abcdefffffffffffffffff", stored.ContentHash]);

        Assert.Empty(alike);
        Assert.Equal(stored.ContentHash, Assert.Single(exact).Key);
    }

    [Fact]
    public async Task FindVectors_FindsHashesOfAnyText()
    {
        var index = CreateIndex();
        string[] hashes = ["ab\u0000cdefghijk", "\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600z", "short", "ÄÖÜäöüßéèêë"];
        var chunks = new List<IndexedChunk>();
        for (var i = 0; i < hashes.Length; i++) chunks.Add(await ChunkAsync("doc_odd", i, $"Odd hash number {i}.") with { ContentHash = hashes[i] });
        await index.ReplaceDocumentAsync(IndexScope.Of(TenantA, "kb_odd"), "doc_odd", chunks);

        var found = await index.FindVectorsAsync(TenantA, hashes);

        Assert.Equal(hashes.Order(StringComparer.Ordinal), found.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Search_QueryTextWithFtsSyntax_IsTreatedAsWords()
    {
        var index = CreateIndex();
        var scope = IndexScope.Of(TenantA, "kb_syntax");
        await index.ReplaceDocumentAsync(scope, "doc_s", [await ChunkAsync("doc_s", 0, "Invoices NEAR the deadline are escalated.")]);

        var hits = await SearchAsync(index, scope, "invoices\" OR * NEAR( AND -deadline ^", SearchMode.Keyword);

        Assert.Equal("doc_s", Assert.Single(hits).DocumentId);
        Assert.Empty(await SearchAsync(index, scope, "\"*()^", SearchMode.Keyword));
    }
}

public sealed class SqliteKnowledgeIndexContractTests : KnowledgeIndexContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-kb-index-" + Guid.NewGuid().ToString("N"));

    protected override IKnowledgeIndex CreateIndex() => new SqliteKnowledgeIndex(Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db"));

    [Fact]
    public async Task Reopen_KeepsChunks()
    {
        var path = Path.Combine(directory, "reopen.db");
        var scope = IndexScope.Of(new TenantId("ten_reopen"), "kb_1");
        await new SqliteKnowledgeIndex(path).ReplaceDocumentAsync(scope, "doc_1", [await ChunkAsync("doc_1", 0, "Durable chunks survive a restart.")]);

        var hits = await new SqliteKnowledgeIndex(path).SearchAsync(new IndexSearch(scope, "durable restart", null, 5, SearchMode.Keyword));

        Assert.Equal("doc_1", Assert.Single(hits).DocumentId);
    }

    /// <summary>
    /// An index from before (version 0: one FTS5 table, maybe without the right scope tokens, vectors as 4-byte floats;
    /// version 1: no FTS5 table, half-float vectors; version 2: one FTS5 table with scope tokens for every tenant; version
    /// 3: a keyword table per knowledge base in the index file itself), with no keywords file: on open the old tables are
    /// gone from the index file, each knowledge base's keyword table is built in the keywords file from the chunk table
    /// and the vectors are half floats, the chunks answer both searches, and a delete leaves no row in the keyword table.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Open_OlderIndex_BuildsTheKeywordTablesAndStillAnswers(int version)
    {
        var path = Path.Combine(directory, $"old{version}.db");
        var keywords = SqliteKnowledgeIndex.KeywordsPath(path);
        var scope = IndexScope.Of(new TenantId("ten_old"), "kb_1");
        var chunk = await ChunkAsync("doc_1", 0, "Old indexes keep answering after an upgrade.");
        await using (var first = new SqliteKnowledgeIndex(path)) await first.ReplaceDocumentAsync(scope, "doc_1", [chunk]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { keywords, keywords + "-wal", keywords + "-shm" }) File.Delete(file);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE keyword_sync; " + version switch
            {
                0 => """
                     DROP TABLE keyword_tables;
                     CREATE VIRTUAL TABLE chunks_fts USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');
                     INSERT INTO chunks_fts (rowid, content, headings, scope) SELECT id, content, '', 'x' FROM chunks;
                     UPDATE chunks SET vector = $floats;
                     PRAGMA user_version = 0;
                     """,
                1 => "DROP TABLE keyword_tables; PRAGMA user_version = 1;",
                2 => """
                     DROP TABLE keyword_tables;
                     CREATE VIRTUAL TABLE chunks_fts USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');
                     INSERT INTO chunks_fts (rowid, content, headings, scope) SELECT id, content, '', 's' || hex(tenant_id || '/' || kb_id) || '0' FROM chunks;
                     PRAGMA user_version = 2;
                     """,
                _ => """
                     CREATE VIRTUAL TABLE keywords_1 USING fts5 (content, headings, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');
                     INSERT INTO keywords_1 (rowid, content, headings) SELECT id, content, '' FROM chunks;
                     PRAGMA user_version = 3;
                     """,
            };
            command.Parameters.AddWithValue("$floats", System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk.Vector.AsSpan()).ToArray());
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var reopened = new SqliteKnowledgeIndex(path);
        var hits = await reopened.SearchAsync(new IndexSearch(scope, "upgrade answering", null, 5, SearchMode.Keyword));
        var vectorHit = Assert.Single(await reopened.SearchAsync(new IndexSearch(scope, "upgrade", chunk.Vector, 5, SearchMode.Vector)));
        Assert.Equal(1.0, vectorHit.Score, 0.001);
        Assert.All(chunk.Vector.Zip((await reopened.FindVectorsAsync(scope.Tenant, [chunk.ContentHash]))[chunk.ContentHash]), pair => Assert.Equal(pair.First, pair.Second, 0.0005));
        Assert.Equal(1L, Scalar(keywords, "SELECT count(*) FROM keywords_1"));
        await reopened.DeleteDocumentAsync(scope, "doc_1");

        Assert.Equal("doc_1", Assert.Single(hits).DocumentId);
        Assert.Empty(await reopened.SearchAsync(new IndexSearch(scope, "upgrade answering", null, 5, SearchMode.Keyword)));
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('chunks_fts', 'keywords_1')"));
        Assert.Equal(0L, Scalar(keywords, "SELECT count(*) FROM keywords_1") + Scalar(path, "SELECT count(*) FROM chunks"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM keyword_tables WHERE tenant_id = 'ten_old' AND kb_id = 'kb_1'"));
    }

    /// <summary>
    /// The two files commit at the same time: a process that ends between the two commits leaves the keywords file one
    /// write ahead (here: the document's words deleted and a chunk's words added that the index file never got). The
    /// next open rebuilds the tables that write touched from the chunk table, and only those.
    /// </summary>
    [Fact]
    public async Task Open_KeywordsFileAWriteAhead_RebuildsTheTablesThatWriteTouched()
    {
        var path = Path.Combine(directory, "ahead.db");
        var keywords = SqliteKnowledgeIndex.KeywordsPath(path);
        var tenant = new TenantId("ten_ahead");
        var generation = await SeedTwoKnowledgeBasesAsync(path, tenant, "Lighthouse keepers log the weather.", "Lighthouse lamps turn all night.");
        Assert.Equal(generation, Scalar(keywords, "SELECT generation FROM keyword_sync"));
        ExecuteClosed(keywords, """
            DELETE FROM keywords_1;
            INSERT INTO keywords_1 (rowid, content, headings) VALUES (999, 'lighthouse phantom words', '');
            DELETE FROM keywords_2;
            UPDATE keyword_sync SET generation = generation + 1, tables = '1';
            """);

        var reopened = new SqliteKnowledgeIndex(path);
        var hits = await reopened.SearchAsync(new IndexSearch(IndexScope.Of(tenant, "kb_1"), "lighthouse weather", null, 5, SearchMode.Keyword));

        Assert.Equal("doc_1", Assert.Single(hits).DocumentId);
        Assert.Equal(1L, Scalar(keywords, "SELECT count(*) FROM keywords_1"));
        Assert.Equal(0L, Scalar(keywords, "SELECT count(*) FROM keywords_1 WHERE rowid = 999"));
        // Table 2 was not that write's: left as it was (its rows deleted by hand above stay deleted).
        Assert.Equal(0L, Scalar(keywords, "SELECT count(*) FROM keywords_2"));
        Assert.Equal(generation, Scalar(keywords, "SELECT generation FROM keyword_sync"));
        // A write after the repair works as before.
        await reopened.ReplaceDocumentAsync(IndexScope.Of(tenant, "kb_1"), "doc_3", [await ChunkAsync("doc_3", 0, "Lighthouse stairs are steep.")]);
        Assert.Equal(2, (await reopened.SearchAsync(new IndexSearch(IndexScope.Of(tenant, "kb_1"), "lighthouse", null, 5, SearchMode.Keyword))).Count);
        Assert.Equal(generation + 1, Scalar(keywords, "SELECT generation FROM keyword_sync"));
        Assert.Equal(generation + 1, Scalar(path, "SELECT generation FROM keyword_sync"));
    }

    /// <summary>
    /// Deleting a tenant leaves none of its text on disk: not its chunks in the index file and not its words in the
    /// keywords file (FTS5 stores each word), nor in either write-ahead log; another tenant's words stay.
    /// </summary>
    [Fact]
    public async Task DeleteTenant_LeavesNoneOfItsWordsInEitherFile()
    {
        var path = Path.Combine(directory, "erase.db");
        var index = new SqliteKnowledgeIndex(path);
        await index.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_erase_a"), "kb_1"), "doc_1", [await ChunkAsync("doc_1", 0, "The zanzibarquokka project budget is secret.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_erase_b"), "kb_1"), "doc_2", [await ChunkAsync("doc_2", 0, "The kilimanjarowombat plan stays.")]);
        var keywordFiles = new[] { SqliteKnowledgeIndex.KeywordsPath(path), SqliteKnowledgeIndex.KeywordsPath(path) + "-wal" };
        var files = new[] { path, path + "-wal" }.Concat(keywordFiles).ToArray();
        string Disk(IEnumerable<string>? only = null) => string.Concat((only ?? files).Where(File.Exists).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
            return reader.ReadToEnd();
        }));
        Assert.Contains("zanzibarquokka", Disk(keywordFiles), StringComparison.Ordinal);

        await index.DeleteTenantAsync(new TenantId("ten_erase_a"));

        var disk = Disk();
        Assert.DoesNotContain("zanzibarquokka", disk, StringComparison.Ordinal);
        Assert.Contains("kilimanjarowombat", disk, StringComparison.Ordinal);
    }

    /// <summary>... or one write behind (the index file committed a document whose words never reached the keywords file): the next open rebuilds the table the index file says that write touched.</summary>
    [Fact]
    public async Task Open_KeywordsFileAWriteBehind_RebuildsTheTableTheLastWriteTouched()
    {
        var path = Path.Combine(directory, "behind.db");
        var keywords = SqliteKnowledgeIndex.KeywordsPath(path);
        var tenant = new TenantId("ten_behind");
        var generation = await SeedTwoKnowledgeBasesAsync(path, tenant, "Orchards bloom in spring.", "Orchards need pruning in winter.");
        ExecuteClosed(keywords, "DELETE FROM keywords_2; UPDATE keyword_sync SET generation = generation - 1, tables = '1';");

        var reopened = new SqliteKnowledgeIndex(path);

        Assert.Equal("doc_2", Assert.Single(await reopened.SearchAsync(new IndexSearch(IndexScope.Of(tenant, "kb_2"), "orchards pruning", null, 5, SearchMode.Keyword))).DocumentId);
        Assert.Equal("doc_1", Assert.Single(await reopened.SearchAsync(new IndexSearch(IndexScope.Of(tenant, "kb_1"), "orchards", null, 5, SearchMode.Keyword))).DocumentId);
        Assert.Equal(generation, Scalar(keywords, "SELECT generation FROM keyword_sync"));
    }

    /// <summary>A keywords file that is gone (deleted by hand, or restored from another backup than the index) is built again from the chunk table on open.</summary>
    [Fact]
    public async Task Open_KeywordsFileMissing_BuildsItFromTheChunkTable()
    {
        var path = Path.Combine(directory, "missing.db");
        var keywords = SqliteKnowledgeIndex.KeywordsPath(path);
        var scope = IndexScope.Of(new TenantId("ten_missing"), "kb_1");
        await using (var first = new SqliteKnowledgeIndex(path)) await first.ReplaceDocumentAsync(scope, "doc_1", [await ChunkAsync("doc_1", 0, "Harbour cranes unload containers.")]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { keywords, keywords + "-wal", keywords + "-shm" }) File.Delete(file);

        var hits = await new SqliteKnowledgeIndex(path).SearchAsync(new IndexSearch(scope, "harbour cranes", null, 5, SearchMode.Keyword));

        Assert.Equal("doc_1", Assert.Single(hits).DocumentId);
    }

    /// <summary>
    /// The reuse lookup finds rows by the prefix index (random hashes make a large index expensive to write: see
    /// <c>HashPrefix</c>), and a file with the old index on (tenant, whole hash) loses it on open.
    /// </summary>
    [Fact]
    public async Task Open_IndexWithTheOldHashIndex_ReplacesItAndTheLookupUsesThePrefixIndex()
    {
        var path = Path.Combine(directory, "hash-index.db");
        var scope = IndexScope.Of(new TenantId("ten_hash"), "kb_1");
        var chunk = await ChunkAsync("doc_1", 0, "Equal text keeps its vector.");
        await using (var first = new SqliteKnowledgeIndex(path)) await first.ReplaceDocumentAsync(scope, "doc_1", [chunk]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP INDEX chunks_hash_prefix; CREATE INDEX chunks_hash ON chunks (tenant_id, content_hash)";
            command.ExecuteNonQuery();
        }

        var reopened = new SqliteKnowledgeIndex(path);
        var found = await reopened.FindVectorsAsync(scope.Tenant, [chunk.ContentHash]);

        Assert.Equal(chunk.ContentHash, Assert.Single(found).Key);
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'chunks_hash'"));
        using var plan = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        plan.Open();
        using var explain = plan.CreateCommand();
        // As ingestion asks: a document's hashes at once.
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteKnowledgeIndex.FindVectorsSql;
        explain.Parameters.AddWithValue("$hashes", System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, 200).Select(i => KnowledgeIngestion.ChunkHash("text " + i))));
        explain.Parameters.AddWithValue("$tenant", scope.Tenant.Value);
        var steps = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read()) steps.Add(reader.GetString(3));
        }
        Assert.Contains(steps, step => step.Contains("USING INDEX chunks_hash_prefix", StringComparison.Ordinal));
        Assert.DoesNotContain(steps, step => step.Contains("chunks_scope", StringComparison.Ordinal));
    }

    /// <summary>
    /// Writes that follow each other faster than the background checkpoint runs keep the logs bounded: past the restart
    /// size, a write copies the rest of the log into the file, and the next write starts the log over (one write's pages
    /// past the limit at most).
    /// </summary>
    [Fact]
    public async Task ManyWritesInARow_KeepTheLogsNearTheRestartSize()
    {
        var path = Path.Combine(directory, "log-bound.db");
        const long limit = 128 * 1024;
        var index = new SqliteKnowledgeIndex(path, SqliteKnowledgeIndex.CommonFloor, logRestartBytes: limit);
        var scope = IndexScope.Of(new TenantId("ten_log"), "kb_1");
        var text = string.Join(" ", Enumerable.Range(0, 120).Select(i => $"word{i} harbour crane manifest"));
        var largest = 0L;
        for (var d = 0; d < 60; d++)
        {
            var chunks = new List<IndexedChunk>();
            for (var c = 0; c < 8; c++)
            {
                var content = $"{text} document {d} part {c}";
                var vector = new float[384];
                vector[(d * 8 + c) % 384] = 1;
                chunks.Add(new IndexedChunk($"doc_{d}-v1-{c}", $"doc_{d}", "log.txt", c, content, KnowledgeIngestion.ChunkHash(content), new ChunkCitation([], null, 0, content.Length), vector));
            }
            await index.ReplaceDocumentAsync(scope, $"doc_{d}", chunks);
            largest = Math.Max(largest, Math.Max(new FileInfo(path + "-wal").Length, new FileInfo(SqliteKnowledgeIndex.KeywordsPath(path) + "-wal").Length));
        }
        await index.DisposeAsync();

        // A write here adds about 70 KB of pages to the logs; without the restart the largest log reached about 4 MB.
        Assert.InRange(largest, 1, limit + 256 * 1024);
        Assert.Equal(60L * 8, Scalar(path, "SELECT count(*) FROM chunks"));
    }

    /// <summary>An index with doc_1 in kb_1 and doc_2 in kb_2 of <paramref name="tenant"/>, closed; returns its keyword generation.</summary>
    private static async Task<long> SeedTwoKnowledgeBasesAsync(string path, TenantId tenant, string first, string second)
    {
        await using (var index = new SqliteKnowledgeIndex(path))
        {
            await index.ReplaceDocumentAsync(IndexScope.Of(tenant, "kb_1"), "doc_1", [await ChunkAsync("doc_1", 0, first)]);
            await index.ReplaceDocumentAsync(IndexScope.Of(tenant, "kb_2"), "doc_2", [await ChunkAsync("doc_2", 0, second)]);
        }
        return Scalar(path, "SELECT generation FROM keyword_sync");
    }

    /// <summary>Runs SQL on a file no index has open (a crash's leftovers, made by hand), with no pooled connection before or after.</summary>
    private static void ExecuteClosed(string path, string sql)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static long Scalar(string path, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Each knowledge base has its own keyword table, so bm25's statistics are the scope's own: another tenant's
    /// documents with the same words do not move this tenant's scores.
    /// </summary>
    [Fact]
    public async Task Keyword_ScoresDoNotDependOnAnotherTenantsDocuments()
    {
        var index = new SqliteKnowledgeIndex(Path.Combine(directory, "local-stats.db"));
        var mine = IndexScope.Of(new TenantId("ten_stats_a"), "kb_1");
        await index.ReplaceDocumentAsync(mine, "doc_1",
        [
            await ChunkAsync("doc_1", 0, "Invoices are approved by the finance team."),
            await ChunkAsync("doc_1", 1, "Travel requests go to your manager."),
            await ChunkAsync("doc_1", 2, "The office closes at six."),
        ]);
        var before = await index.SearchAsync(new IndexSearch(mine, "invoices finance", null, 5, SearchMode.Keyword));

        var others = new List<IndexedChunk>();
        var mineElsewhere = new List<IndexedChunk>();
        for (var i = 0; i < 30; i++)
        {
            others.Add(await ChunkAsync("doc_o", i, $"Invoices number {i} for the finance archive."));
            mineElsewhere.Add(await ChunkAsync("doc_e", i, $"Invoices number {i} for the finance archive."));
        }
        await index.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_stats_b"), "kb_1"), "doc_o", others);
        await index.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_stats_a"), "kb_2"), "doc_e", mineElsewhere);
        var after = await index.SearchAsync(new IndexSearch(mine, "invoices finance", null, 5, SearchMode.Keyword));

        Assert.Equal("doc_1-v1-0", Assert.Single(before).ChunkId);
        Assert.Equal(before.Select(h => (h.ChunkId, h.Score)), after.Select(h => (h.ChunkId, h.Score)));
    }

    /// <summary>Deleting a knowledge base or a tenant drops its keyword tables (and catalog rows), and only its own.</summary>
    [Fact]
    public async Task Delete_DropsTheKeywordTablesOfTheDeletedScopeOnly()
    {
        var path = Path.Combine(directory, "drop.db");
        var index = new SqliteKnowledgeIndex(path);
        var a = new TenantId("ten_drop_a");
        await index.ReplaceDocumentAsync(IndexScope.Of(a, "kb_1"), "doc_1", [await ChunkAsync("doc_1", 0, "Keyword tables come and go.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(a, "kb_2"), "doc_2", [await ChunkAsync("doc_2", 0, "Keyword tables come and go.")]);
        await index.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_drop_b"), "kb_1"), "doc_3", [await ChunkAsync("doc_3", 0, "Keyword tables come and go.")]);
        var keywords = SqliteKnowledgeIndex.KeywordsPath(path);
        Assert.Equal(3L, Scalar(keywords, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'keywords_[0-9]*' AND name NOT GLOB 'keywords_*_*'"));

        await index.DeleteKnowledgeBasesAsync(IndexScope.Of(a, "kb_1"));
        Assert.Equal(2L, Scalar(path, "SELECT count(*) FROM keyword_tables"));
        Assert.Equal(0L, Scalar(keywords, "SELECT count(*) FROM sqlite_master WHERE name = 'keywords_1'"));
        await index.DeleteTenantAsync(a);

        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM keyword_tables WHERE tenant_id = 'ten_drop_a'"));
        Assert.Equal(0L, Scalar(keywords, "SELECT count(*) FROM sqlite_master WHERE name IN ('keywords_1', 'keywords_2')"));
        Assert.Single(await index.SearchAsync(new IndexSearch(IndexScope.Of(new TenantId("ten_drop_b"), "kb_1"), "keyword tables", null, 5, SearchMode.Keyword)));
        Assert.Empty(await index.SearchAsync(new IndexSearch(IndexScope.Of(a, "kb_2"), "keyword tables", null, 5, SearchMode.Keyword)));
        // A knowledge base written again after its deletion gets a new table.
        await index.ReplaceDocumentAsync(IndexScope.Of(a, "kb_1"), "doc_4", [await ChunkAsync("doc_4", 0, "Keyword tables come back.")]);
        Assert.Single(await index.SearchAsync(new IndexSearch(IndexScope.Of(a, "kb_1"), "keyword tables", null, 5, SearchMode.Keyword)));
    }

    /// <summary>
    /// When every query word is common, the chunks holding all of them are matched first; words in at least half of
    /// the chunks (bm25 weighs them about 0) still find chunks, unscored; and the cap of scored chunks keeps the newest.
    /// </summary>
    [Fact]
    public async Task Keyword_AllCommonWords_MatchTheirConjunction_AndVeryCommonWordsStillFindChunks()
    {
        var index = new SqliteKnowledgeIndex(Path.Combine(directory, "conjunction.db"), commonFloor: 1, scoredChunksCap: 3);
        var scope = IndexScope.Of(new TenantId("ten_conj"), "kb_1");
        var chunks = new List<IndexedChunk>();
        for (var i = 0; i < 40; i++)
        {
            var words = (i % 3 == 0 ? "alpha " : "") + (i % 4 == 0 ? "beta " : "");
            chunks.Add(await ChunkAsync("doc_1", i, $"Shipping note {words}number {i}."));
        }
        await index.ReplaceDocumentAsync(scope, "doc_1", chunks);

        var both = await index.SearchAsync(new IndexSearch(scope, "alpha beta", null, 2, SearchMode.Keyword));
        var capped = await index.SearchAsync(new IndexSearch(scope, "alpha", null, 2, SearchMode.Keyword));
        var everywhere = await index.SearchAsync(new IndexSearch(scope, "shipping", null, 5, SearchMode.Keyword));

        Assert.Equal(2, both.Count);
        Assert.All(both, hit => Assert.Contains("alpha beta", hit.Content, StringComparison.Ordinal));
        // "alpha" is in 14 chunks (ordinals 0, 3, ..., 39); with 3 scored, the hits come from the newest three.
        Assert.All(capped, hit => Assert.Contains(hit.ChunkId, new[] { "doc_1-v1-33", "doc_1-v1-36", "doc_1-v1-39" }));
        Assert.Equal(2, capped.Count);
        Assert.Equal(5, everywhere.Count);
        Assert.All(everywhere, hit => Assert.Equal(0, hit.Score));
    }

    /// <summary>
    /// A common word whose doclist is longer than bm25 may read is not ranked by: its newest chunks come back unscored,
    /// while a word within the budget is still ranked.
    /// </summary>
    [Fact]
    public async Task Keyword_CommonWordsPastTheBm25Budget_ReturnTheirNewestChunksUnscored()
    {
        var index = new SqliteKnowledgeIndex(Path.Combine(directory, "budget.db"), commonFloor: 1, bm25ChunksRead: 5);
        var scope = IndexScope.Of(new TenantId("ten_budget"), "kb_1");
        var chunks = new List<IndexedChunk>();
        for (var i = 0; i < 40; i++) chunks.Add(await ChunkAsync("doc_1", i, $"Shipping note {(i % 3 == 0 ? "alpha " : "")}{(i % 10 == 0 ? "gamma gamma " : "")}number {i}."));
        await index.ReplaceDocumentAsync(scope, "doc_1", chunks);

        var past = await index.SearchAsync(new IndexSearch(scope, "alpha", null, 2, SearchMode.Keyword));
        var within = await index.SearchAsync(new IndexSearch(scope, "gamma", null, 2, SearchMode.Keyword));

        Assert.Equal(["doc_1-v1-36", "doc_1-v1-39"], past.Select(h => h.ChunkId).Order(StringComparer.Ordinal));
        Assert.All(past, hit => Assert.Equal(0, hit.Score));
        Assert.Equal(2, within.Count);
        Assert.All(within, hit => Assert.True(hit.Score > 0));
    }

    /// <summary>
    /// Query words in more than the common share of the chunks are left out when rarer words exist, so FTS5 ranks only
    /// the chunks with the rare word; when every word is common, the rarest still find their chunks.
    /// </summary>
    [Fact]
    public async Task Keyword_CommonWordsGiveWayToRareOnes_ButStillMatchAlone()
    {
        var index = new SqliteKnowledgeIndex(Path.Combine(directory, "common.db"), commonFloor: 1);
        var scope = IndexScope.Of(new TenantId("ten_common"), "kb_1");
        var chunks = new List<IndexedChunk>();
        for (var i = 0; i < 40; i++) chunks.Add(await ChunkAsync("doc_1", i, i == 7 ? "Shipping schedule for the zeppelin hangar." : $"Shipping schedule number {i} of the warehouse."));
        await index.ReplaceDocumentAsync(scope, "doc_1", chunks);

        var rare = await index.SearchAsync(new IndexSearch(scope, "shipping schedule zeppelin", null, 20, SearchMode.Keyword));
        var common = await index.SearchAsync(new IndexSearch(scope, "shipping schedules", null, 50, SearchMode.Keyword));

        Assert.Equal("doc_1-v1-7", Assert.Single(rare).ChunkId);
        Assert.Equal(40, common.Count);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
