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
    /// An index from before (version 0: FTS5 table, maybe without the right scope tokens, vectors as 4-byte floats;
    /// version 1: no FTS5 table, half-float vectors): on open the FTS5 table is rebuilt from the chunk table and the
    /// vectors are half floats, the chunks answer both searches, and a delete leaves no row in the FTS5 table.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Open_OlderIndex_RestoresTheFts5TableAndStillAnswers(int version)
    {
        var path = Path.Combine(directory, $"old{version}.db");
        var scope = IndexScope.Of(new TenantId("ten_old"), "kb_1");
        var chunk = await ChunkAsync("doc_1", 0, "Old indexes keep answering after an upgrade.");
        await new SqliteKnowledgeIndex(path).ReplaceDocumentAsync(scope, "doc_1", [chunk]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = version == 0
                ? """
                  DROP TABLE chunks_fts;
                  CREATE VIRTUAL TABLE chunks_fts USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');
                  INSERT INTO chunks_fts (rowid, content, headings, scope) SELECT id, content, '', 'x' FROM chunks;
                  UPDATE chunks SET vector = $floats;
                  PRAGMA user_version = 0;
                  """
                : "DROP TABLE chunks_fts; PRAGMA user_version = 1;";
            command.Parameters.AddWithValue("$floats", System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk.Vector.AsSpan()).ToArray());
            command.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var reopened = new SqliteKnowledgeIndex(path);
        var hits = await reopened.SearchAsync(new IndexSearch(scope, "upgrade answering", null, 5, SearchMode.Keyword));
        var vectorHit = Assert.Single(await reopened.SearchAsync(new IndexSearch(scope, "upgrade", chunk.Vector, 5, SearchMode.Vector)));
        Assert.Equal(1.0, vectorHit.Score, 0.001);
        Assert.All(chunk.Vector.Zip((await reopened.FindVectorsAsync(scope.Tenant, [chunk.ContentHash]))[chunk.ContentHash]), pair => Assert.Equal(pair.First, pair.Second, 0.0005));
        await reopened.DeleteDocumentAsync(scope, "doc_1");

        Assert.Equal("doc_1", Assert.Single(hits).DocumentId);
        Assert.Empty(await reopened.SearchAsync(new IndexSearch(scope, "upgrade answering", null, 5, SearchMode.Keyword)));
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT count(*) FROM chunks_fts) + (SELECT count(*) FROM chunks)";
            Assert.Equal(0L, command.ExecuteScalar());
        }
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
