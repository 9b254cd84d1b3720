using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>Ingestion below the API: vector reuse, failed versions, superseded and repeated jobs.</summary>
public sealed class KnowledgeIngestionTests : IDisposable
{
    private static readonly TenantId Tenant = new("ten_ingest");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-kb-ingest-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;
    private readonly SqliteKnowledgeIndex index;
    private readonly FolderKnowledgeContent content;
    private readonly CountingEmbedder embedder = new();
    private readonly KnowledgeIngestion ingestion;
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public KnowledgeIngestionTests()
    {
        store = new FileDocumentStore(Path.Combine(directory, "documents"));
        index = new SqliteKnowledgeIndex(Path.Combine(directory, "index.db"));
        content = new FolderKnowledgeContent(Path.Combine(directory, "documents"));
        ingestion = new KnowledgeIngestion(store, index, content, embedder, new KnowledgeOptions(), time, NullLogger<KnowledgeIngestion>.Instance);
    }

    [Fact]
    public async Task Process_SameContentTwice_EmbedsNothingTheSecondTime()
    {
        var kb = await KnowledgeBaseAsync();
        const string text = "# Leave\n\nEmployees have 30 days of paid leave.\n\n## Carry-over\n\nUp to five days carry over into the next year.";
        var first = await DocumentAsync(kb, "doc_first", 1, FileFormat.Markdown, text);
        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, first, 1));
        var afterFirst = embedder.Embedded;

        var second = await DocumentAsync(kb, "doc_second", 1, FileFormat.Markdown, text);
        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, second, 1));

        Assert.True(afterFirst >= 2, $"{afterFirst} texts embedded for two sections");
        Assert.Equal(afterFirst, embedder.Embedded);
        var indexed = (await store.For(Tenant).GetAsync<KnowledgeDocument>(second))!.Value;
        Assert.Equal(DocumentStatus.Indexed, indexed.Status);
        Assert.Equal(afterFirst, indexed.ChunkCount);
    }

    [Fact]
    public async Task Process_CorruptNewVersion_FailsWithReason_AndKeepsServingTheLastGoodVersion()
    {
        var kb = await KnowledgeBaseAsync();
        var id = await DocumentAsync(kb, "doc_versions", 1, FileFormat.Text, "The support line opens at eight.");
        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 1));
        await NewVersionAsync(kb, id, 2, FileFormat.Pdf, "not a pdf at all");

        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 2));

        var document = (await store.For(Tenant).GetAsync<KnowledgeDocument>(id))!.Value;
        Assert.Equal(DocumentStatus.Failed, document.Status);
        Assert.Contains("not a readable PDF", document.Reason, StringComparison.Ordinal);
        Assert.Equal(1, document.IndexedVersion);
        var hits = await index.SearchAsync(new IndexSearch(IndexScope.Of(Tenant, kb), "support line", null, 5, SearchMode.Keyword));
        Assert.Equal($"{id}-v1-0", Assert.Single(hits).ChunkId);
    }

    [Fact]
    public async Task Process_SupersededOrRepeatedJob_ChangesNothing()
    {
        var kb = await KnowledgeBaseAsync();
        var id = await DocumentAsync(kb, "doc_jobs", 1, FileFormat.Text, "Version one text.");
        await NewVersionAsync(kb, id, 2, FileFormat.Text, "Version two text.");

        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 1));
        Assert.Equal(0, embedder.Embedded);

        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 2));
        var embedded = embedder.Embedded;
        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 2));

        Assert.Equal(embedded, embedder.Embedded);
        var hits = await index.SearchAsync(new IndexSearch(IndexScope.Of(Tenant, kb), "version text", null, 5, SearchMode.Keyword));
        Assert.Equal($"{id}-v2-0", Assert.Single(hits).ChunkId);
        // One file per document: the newer version's bytes overwrote the older ones.
        Assert.Equal("Version two text.", Encoding.UTF8.GetString((await content.GetAsync(Tenant, kb, id + ".txt"))!));
    }

    [Fact]
    public async Task Process_FileOverwrittenSinceTheVersionWasRecorded_SkipsAndEmbedsNothing()
    {
        var kb = await KnowledgeBaseAsync();
        var id = await DocumentAsync(kb, "doc_overwritten", 1, FileFormat.Text, "The recorded text.");
        await content.PutAsync(Tenant, kb, id + ".txt", Encoding.UTF8.GetBytes("Bytes a drop wrote over it."));

        await ingestion.ProcessAsync(new IngestionJob(Tenant, kb, id, 1));

        Assert.Equal(0, embedder.Embedded);
        Assert.Equal(DocumentStatus.Indexing, (await store.For(Tenant).GetAsync<KnowledgeDocument>(id))!.Value.Status);
        Assert.Empty(await index.SearchAsync(new IndexSearch(IndexScope.Of(Tenant, kb), "recorded text", null, 5, SearchMode.Keyword)));
    }

    private async Task<string> KnowledgeBaseAsync()
    {
        var kb = new KnowledgeBase(Ids.New("kb"), Tenant, "kb", null, 160, 24, "usr_test", time.GetUtcNow());
        await store.For(Tenant).CreateAsync(kb);
        return kb.Id;
    }

    private async Task<string> DocumentAsync(string kb, string id, int version, FileFormat format, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await content.PutAsync(Tenant, kb, id + ".txt", bytes);
        await store.For(Tenant).CreateAsync(new KnowledgeDocument(id, Tenant, kb, id + ".txt", "text/plain", format, bytes.Length, KnowledgeService.Hash(bytes), version,
            DocumentStatus.Indexing, null, 0, null, "usr_test", time.GetUtcNow(), time.GetUtcNow()));
        return id;
    }

    private async Task NewVersionAsync(string kb, string id, int version, FileFormat format, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await content.PutAsync(Tenant, kb, id + ".txt", bytes);
        var current = (await store.For(Tenant).GetAsync<KnowledgeDocument>(id))!;
        await store.For(Tenant).ReplaceAsync(current.Value with { Version = version, Format = format, Status = DocumentStatus.Indexing, ContentHash = KnowledgeService.Hash(bytes) }, current.ETag);
    }

    public void Dispose()
    {
        store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }

    private sealed class CountingEmbedder : ITextEmbedder
    {
        private int embedded;

        public int Embedded => embedded;

        public int Dimensions => MiniLmEmbedder.Shared.Dimensions;

        public int MaxInputTokens => MiniLmEmbedder.Shared.MaxInputTokens;

        public int CountInputTokens(string text) => MiniLmEmbedder.Shared.CountInputTokens(text);

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref embedded, texts.Count);
            return MiniLmEmbedder.Shared.EmbedAsync(texts, cancellationToken);
        }
    }
}
