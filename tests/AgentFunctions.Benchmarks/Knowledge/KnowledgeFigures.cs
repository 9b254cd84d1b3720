using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using AgentFunctions.Knowledge.Chunking;
using AgentFunctions.Knowledge.Extraction;
using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Benchmarks.Knowledge;

/// <summary>
/// The knowledge figures of the README, as measured runs (not BenchmarkDotNet: each part sets up hundreds of MB once):
/// <list type="bullet">
/// <item><c>ingest [unsearched]</c>: plain text through extract + chunk (o200k, MiniLM window check) + the reuse lookup + index write (SQLite, and
/// the in-memory vector index of a knowledge base that has been searched), MB/s</item>
/// <item><c>embed</c>: MiniLM embeddings of corpus chunks, chunks/s</item>
/// <item><c>query</c>: hybrid (and keyword, vector) queries over 100,000 chunks of one tenant among four, latency
/// percentiles without the query's embedding, and the query embedding on its own</item>
/// <item><c>quality</c>: recall@5 of keyword, vector and hybrid retrieval on docs/knowledge-samples/questions.json</item>
/// </list>
/// <c>dotnet run -c Release --project tests/AgentFunctions.Benchmarks -- knowledge-figures [all|ingest|embed|query|quality]</c>
/// </summary>
public static class KnowledgeFigures
{
    public const string Command = "knowledge-figures";
    public const string SamplesCommand = "knowledge-samples";

    private static readonly string[] Words = ("the of and to in is for on that with as by at from this be are or an was it which will not have can " +
        "employee customer policy travel hotel refund warehouse forklift loading dock office parking canteen meeting room password security " +
        "laptop account backup schedule approval manager receipt allowance flight train booking invoice delivery return window product lamp " +
        "battery warranty charging brightness colour temperature safety shoes pallet storage accident report incident shift lead aisle " +
        "reception visitor badge garage bicycle shower lunch vegetarian boardroom calendar fire drill assembly point warden parcel mail " +
        "software installation phishing attachment screen lock backup nightly weekly continuously quarterly budget forecast revenue margin " +
        "contract supplier logistics shipment carrier pallet inventory audit compliance training onboarding holiday leave sickness overtime")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static async Task<int> RunAsync(string[] args)
    {
        var part = args.Length > 1 ? args[1] : "all";
        var root = Path.Combine(Path.GetTempPath(), "af-knowledge-figures-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"knowledge figures on {Environment.ProcessorCount} cores, load average {LoadAverage()}");
            if (part is "all" or "ingest") await IngestAsync(root, searched: !args.Skip(2).Contains("unsearched"), cold: args.Skip(2).Contains("cold"));
            if (part is "profile") Profile();
            if (part is "writes") WriteVariants(root);
            if (part is "query-parts") QueryParts();
            if (part is "query-shapes") await QueryShapesAsync(args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "af-knowledge-shapes", "query.db"));
            if (part is "all" or "embed") await EmbedAsync();
            if (part is "all" or "query") await QueryAsync(root, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000);
            if (part is "all" or "quality") await QualityAsync(root);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Plain text documents of ~256 KB, sentences of common words (deterministic).</summary>
    private static List<string> Corpus(int documents, int bytesEach, int seed)
    {
        var random = new Random(seed);
        var corpus = new List<string>(documents);
        for (var d = 0; d < documents; d++)
        {
            var text = new StringBuilder(bytesEach + 200);
            while (text.Length < bytesEach)
            {
                var sentences = random.Next(3, 7);
                for (var s = 0; s < sentences; s++)
                {
                    var words = random.Next(8, 21);
                    for (var w = 0; w < words; w++)
                    {
                        var word = Words[random.Next(Words.Length)];
                        text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
                        text.Append(w == words - 1 ? ". " : " ");
                    }
                }
                text.Append("\n\n");
            }
            corpus.Add(text.ToString());
        }
        return corpus;
    }

    /// <summary>
    /// Text whose word frequencies follow Zipf's law over a 30,000-word vocabulary (the common words first, then made-up
    /// ones), as natural text does: with a few hundred words only, every query word would be in a third of all chunks.
    /// </summary>
    private sealed class ZipfText
    {
        private readonly string[] vocabulary;
        private readonly double[] cumulative;

        public ZipfText(int size, int seed)
        {
            var random = new Random(seed);
            string[] syllables = ["ka", "lo", "mi", "ter", "an", "su", "ro", "vel", "di", "pra", "on", "ex", "tri", "mor", "cal", "ne", "bis", "ul", "ga", "fen"];
            var made = new HashSet<string>(Words, StringComparer.Ordinal);
            var list = new List<string>(Words);
            while (list.Count < size)
            {
                var word = string.Concat(Enumerable.Range(0, random.Next(2, 5)).Select(_ => syllables[random.Next(syllables.Length)]));
                if (made.Add(word)) list.Add(word);
            }
            vocabulary = [.. list];
            cumulative = new double[size];
            var sum = 0.0;
            for (var i = 0; i < size; i++) cumulative[i] = sum += 1.0 / Math.Pow(i + 1, 1.07);
            for (var i = 0; i < size; i++) cumulative[i] /= sum;
        }

        public string Word(Random random)
        {
            var at = Array.BinarySearch(cumulative, random.NextDouble());
            return vocabulary[Math.Min(at < 0 ? ~at : at, vocabulary.Length - 1)];
        }

        public string Paragraph(Random random)
        {
            var text = new StringBuilder();
            for (var s = random.Next(3, 7); s > 0; s--)
            {
                var words = random.Next(8, 21);
                for (var w = 0; w < words; w++) text.Append(Word(random)).Append(w == words - 1 ? ". " : " ");
            }
            return text.ToString().TrimEnd();
        }
    }

    private static async Task IngestAsync(string root, bool searched, bool cold)
    {
        var corpus = Corpus(documents: 96, bytesEach: 256 * 1024, seed: 20261130);
        var bytes = corpus.Select(Encoding.UTF8.GetBytes).ToList();
        var total = bytes.Sum(b => (long)b.Length);
        var embedder = MiniLmEmbedder.Shared;
        // As KnowledgeIngestion chunks: with the embedder's count by parts.
        var options = ChunkingOptions.For(new KnowledgeOptions().DefaultChunkTokens, new KnowledgeOptions().DefaultOverlapTokens, embedder);
        var index = new SqliteKnowledgeIndex(Path.Combine(root, "ingest.db"));
        var tenant = new TenantId("ten_ingest");
        var vector = UnitVector(new Random(1), embedder.Dimensions);
        // Warm-up, as a host that has been ingesting for a while is: tokenizers, SQLite statements and the JIT's optimised
        // code, on documents not counted (another knowledge base, two in flight as below). Tiered compilation starts
        // counting calls only once no new method was compiled for 100 ms, and optimises a method after 30 counted calls
        // (the write's methods run once per document); with a single warm-up document the optimising recompilations fell
        // inside the measured seconds and took about a third of their CPU. So: rounds of 48 small documents with pauses,
        // until a round compiles nothing new, then the background compilations are waited for.
        // `cold`: one warm-up document only, as this figure was measured before 1 December 2026 (a freshly started process).
        var warm = Corpus(documents: cold ? 1 : 48, bytesEach: 16 * 1024, seed: 20261201).Select(Encoding.UTF8.GetBytes).ToList();
        for (var round = 0; round < (cold ? 1 : 8); round++)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await Task.WhenAll(Enumerable.Range(0, IngestionWorker.Concurrency).Select(w => Task.Run(async () =>
            {
                for (var i = w; i < warm.Count; i += IngestionWorker.Concurrency) await IngestOneAsync(index, tenant, $"doc_warm_{i}", warm[i], options, vector, "kb_warm");
            })));
            await Task.Delay(500);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - before < 5) break;
        }
        // A search loads the knowledge base into memory, so every write below also updates its in-memory
        // vector index (the costlier case: a knowledge base nobody searched yet is only written to SQLite).
        if (searched) await index.SearchAsync(new IndexSearch(IndexScope.Of(tenant, "kb_ingest"), "warm", vector, 5, SearchMode.Hybrid));

        LookupTicks = 0;
        var split = TimeSpan.Zero;
        var chunks = 0;
        var cpu = Environment.CpuUsage.TotalTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var paused = GC.GetTotalPauseDuration();
        var jitted = System.Runtime.JitInfo.GetCompilationTime();
        var busy = MachineBusy();
        var clock = Stopwatch.StartNew();
        // As the ingestion worker runs them: IngestionWorker.Concurrency documents in flight (one is chunked while another is written).
        var next = 0;
        var gate = new object();
        await Task.WhenAll(Enumerable.Range(0, IngestionWorker.Concurrency).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next) - 1;
                if (i >= bytes.Count) return;
                var (extractAndChunk, count) = await IngestOneAsync(index, tenant, $"doc_{i}", bytes[i], options, vector);
                lock (gate)
                {
                    split += extractAndChunk;
                    chunks += count;
                }
            }
        })));
        clock.Stop();
        var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
        // What other processes used meanwhile: the machine's busy time less this process's (clock ticks of 10 ms, so about +-0.02 s).
        var others = MachineBusy() - busy - cpuUsed;
        var measured = total;
        Console.WriteLine($"INGEST plain text{(cold ? ", cold (one warm-up document)" : "")} ({(searched ? "knowledge base searched: in-memory index updated by every write" : "knowledge base not searched yet: SQLite only")}): {measured / 1e6:F1} MB in {clock.Elapsed.TotalSeconds:F2} s = {measured / 1e6 / clock.Elapsed.TotalSeconds:F1} MB/s " +
            $"({chunks} chunks, {IngestionWorker.Concurrency} documents in flight; extract+chunk {split.TotalSeconds:F2} s and reuse lookup {LookupTicks / (double)Stopwatch.Frequency:F2} s summed over documents; embedding excluded); " +
            $"process CPU {cpuUsed.TotalSeconds:F2} s = {measured / 1e6 / cpuUsed.TotalSeconds:F1} MB per CPU-second; allocated {(GC.GetTotalAllocatedBytes() - allocated) / 1e6:F0} MB, GC pauses {(GC.GetTotalPauseDuration() - paused).TotalSeconds:F2} s, " +
            $"JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitted).TotalSeconds:F2} s; other processes' CPU meanwhile {others.TotalSeconds:F2} s");
    }

    /// <summary>Process CPU of each ingestion stage on its own over the same corpus.</summary>
    private static void Profile()
    {
        var bytes = Corpus(32, 256 * 1024, 20261130).Select(Encoding.UTF8.GetBytes).ToList();
        var mb = bytes.Sum(b => (long)b.Length) / 1e6;
        var embedder = MiniLmEmbedder.Shared;
        embedder.CountInputTokens("warm up");
        TextChunker.CountTokens("warm up");
        // Process CPU includes the JIT's and the collector's threads, so a stage is run several times (rounds) and the least
        // CPU is reported, beside the median: a single short pass mostly measured tier-up compilation and earlier garbage.
        void Stage(string name, Action action, int rounds = 5)
        {
            var used = new List<double>();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var r = 0; r < rounds; r++)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                action();
                used.Add((Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
            }
            var perByte = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (mb * 1e6 * rounds);
            used.Sort();
            Console.WriteLine($"PROFILE {name}: least {used[0]:F3} CPU-s = {mb / used[0]:F1} MB/CPU-s (median of {rounds}: {mb / used[rounds / 2]:F1}); allocates {perByte:F1} bytes per byte of text");
        }
        var blocks = bytes.Select(b => DocumentExtractor.Extract(FileFormat.Text, b)).ToList();
        ChunkingOptions WindowOptions() => ChunkingOptions.For(160, 24, embedder);
        Stage("extract", () => { foreach (var b in bytes) DocumentExtractor.Extract(FileFormat.Text, b); });
        Stage("o200k count", () => { foreach (var list in blocks) foreach (var block in list) TextChunker.CountTokens(block.Text); });
        Stage("minilm count", () => { foreach (var list in blocks) foreach (var block in list) embedder.CountInputTokens(block.Text); });
        Stage("split (o200k, minilm window, whole chunks counted)", () => { foreach (var list in blocks) TextChunker.Split(list, new ChunkingOptions(160, 24, 256, embedder.CountInputTokens)); });
        Stage("split (o200k, minilm window by parts, as ingestion runs it)", () => { foreach (var list in blocks) TextChunker.Split(list, ChunkingOptions.For(160, 24, embedder)); });
        // Pages as PDF extraction often gives them: one long paragraph each (about 3 KB), split on sentences.
        var pages = blocks.Select(list => (IReadOnlyList<TextBlock>)list.Chunk(6).Select(six => new TextBlock(BlockKind.Paragraph, string.Join(" ", six.Select(b => b.Text)), Page: 1)).ToList()).ToList();
        Stage("split long paragraphs (pages of ~3 KB, minilm window)", () => { foreach (var list in pages) TextChunker.Split(list, WindowOptions()); });
        var pageChunks = pages.Select(list => TextChunker.Split(list, WindowOptions())).ToList();
        Console.WriteLine($"PROFILE page chunks: {pageChunks.Sum(list => list.Count)}, digest " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001",
            pageChunks.SelectMany(list => list.Select(c => $"{c.Ordinal}|{string.Join(" > ", c.HeadingPath)}|{c.Page}|{c.Start}|{c.End}|{c.Content}"))))))[..16]);
        Stage("split (o200k only)", () => { foreach (var list in blocks) TextChunker.Split(list, new ChunkingOptions(160, 24, 256, _ => 0)); });
        var chunks = blocks.Select(list => TextChunker.Split(list, ChunkingOptions.For(160, 24, embedder))).ToList();
        // A digest of every chunk (text, headings, page, offsets): equal digests mean equal chunk boundaries across builds.
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001",
            chunks.SelectMany(list => list.Select(c => $"{c.Ordinal}|{string.Join(" > ", c.HeadingPath)}|{c.Page}|{c.Start}|{c.End}|{c.Content}"))))));
        Console.WriteLine($"PROFILE chunks: {chunks.Sum(list => list.Count)}, digest {digest[..16]}");
        Stage("chunk hashes (SHA-256)", () => { foreach (var list in chunks) foreach (var c in list) KnowledgeIngestion.ChunkHash(c.EmbeddingText); });
        var vector = UnitVector(new Random(1), 384);
        var documents = chunks.Select((list, d) => list.Select(c => new IndexedChunk($"doc_{d}-v1-{c.Ordinal}", $"doc_{d}", "doc.txt", c.Ordinal, c.Content, KnowledgeIngestion.ChunkHash(c.EmbeddingText),
            new ChunkCitation(c.HeadingPath, c.Page, c.Start, c.End), vector)).ToList()).ToList();
        var root = Path.Combine(Path.GetTempPath(), "af-knowledge-profile-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cold = new SqliteKnowledgeIndex(Path.Combine(root, "cold.db"));
            Stage("index write, knowledge base not in memory", () => { for (var d = 0; d < documents.Count; d++) cold.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_p"), "kb"), $"doc_{d}", documents[d]).GetAwaiter().GetResult(); }, rounds: 1);
            var warm = new SqliteKnowledgeIndex(Path.Combine(root, "warm.db"));
            warm.SearchAsync(new IndexSearch(IndexScope.Of(new TenantId("ten_p"), "kb"), "x", vector, 5, SearchMode.Hybrid)).GetAwaiter().GetResult();
            Stage("index write, knowledge base in memory", () => { for (var d = 0; d < documents.Count; d++) warm.ReplaceDocumentAsync(IndexScope.Of(new TenantId("ten_p"), "kb"), $"doc_{d}", documents[d]).GetAwaiter().GetResult(); }, rounds: 1);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Process CPU of SQLite write variants (row, FTS5 options, vector size) over the same chunks.</summary>
    private static void WriteVariants(string root)
    {
        var embedder = MiniLmEmbedder.Shared;
        var docs = Corpus(32, 256 * 1024, 20261130).Select(t => TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, Encoding.UTF8.GetBytes(t)),
            new ChunkingOptions(160, 24, 256, _ => 0)).Select(c => c.Content).ToList()).ToList();
        var mb = Corpus(32, 256 * 1024, 20261130).Sum(t => (long)Encoding.UTF8.GetByteCount(t)) / 1e6;
        var vector = UnitVector(new Random(1), 384);
        var floatBlob = System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();
        var halfBlob = new byte[768];
        (string Name, string Schema, string Insert, byte[]? Blob)[] variants =
        [
            ("row + fts(3 cols) + float vector", "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, tenant_id TEXT, kb_id TEXT, document_id TEXT, content TEXT, content_hash TEXT, vector BLOB); CREATE INDEX s ON chunks (tenant_id, kb_id, document_id); CREATE INDEX h ON chunks (tenant_id, content_hash); CREATE VIRTUAL TABLE f USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');",
                "INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, content, content_hash, vector) VALUES ($c, 't', 'k', $d, $t, $h, $v); INSERT INTO f (rowid, content, headings, scope) VALUES (last_insert_rowid(), $t, '', 'sabc0');", floatBlob),
            ("row + fts detail=none columnsize=0", "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, tenant_id TEXT, kb_id TEXT, document_id TEXT, content TEXT, content_hash TEXT, vector BLOB); CREATE INDEX s ON chunks (tenant_id, kb_id, document_id); CREATE INDEX h ON chunks (tenant_id, content_hash); CREATE VIRTUAL TABLE f USING fts5 (content, content = '', detail = none, columnsize = 0, tokenize = 'porter unicode61 remove_diacritics 2');",
                "INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, content, content_hash, vector) VALUES ($c, 't', 'k', $d, $t, $h, $v); INSERT INTO f (rowid, content) VALUES (last_insert_rowid(), $t);", floatBlob),
            ("row + float vector, no fts", "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, tenant_id TEXT, kb_id TEXT, document_id TEXT, content TEXT, content_hash TEXT, vector BLOB); CREATE INDEX s ON chunks (tenant_id, kb_id, document_id); CREATE INDEX h ON chunks (tenant_id, content_hash);",
                "INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, content, content_hash, vector) VALUES ($c, 't', 'k', $d, $t, $h, $v);", floatBlob),
            ("row + half vector, no fts", "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, tenant_id TEXT, kb_id TEXT, document_id TEXT, content TEXT, content_hash TEXT, vector BLOB); CREATE INDEX s ON chunks (tenant_id, kb_id, document_id); CREATE INDEX h ON chunks (tenant_id, content_hash);",
                "INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, content, content_hash, vector) VALUES ($c, 't', 'k', $d, $t, $h, $v);", halfBlob),
            ("row + half vector, no fts, no unique chunk_id", "CREATE TABLE chunks (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, tenant_id TEXT, kb_id TEXT, document_id TEXT, content TEXT, content_hash TEXT, vector BLOB); CREATE INDEX s ON chunks (tenant_id, kb_id, document_id); CREATE INDEX h ON chunks (tenant_id, content_hash);",
                "INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, content, content_hash, vector) VALUES ($c, 't', 'k', $d, $t, $h, $v);", halfBlob),
            ("fts only (3 cols)", "CREATE VIRTUAL TABLE f USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');",
                "INSERT INTO f (content, headings, scope) VALUES ($t, '', 'sabc0');", null),
        ];
        var n = 0;
        foreach (var (name, schema, insertSql, blob) in variants)
        {
            var cs = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(root, $"w{n++}.db"), Pooling = true }.ToString();
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(cs);
            connection.Open();
            using (var c = connection.CreateCommand()) { c.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; " + schema; c.ExecuteNonQuery(); }
            var cpu = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            var d = 0;
            foreach (var doc in docs)
            {
                using var tx = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = insertSql;
                var pc = insert.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$c", null));
                var pd = insert.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$d", "doc" + d));
                var pt = insert.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$t", null));
                var ph = insert.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$h", null));
                var pv = insert.Parameters.Add(new Microsoft.Data.Sqlite.SqliteParameter("$v", (object?)blob ?? DBNull.Value));
                var i = 0;
                foreach (var text in doc)
                {
                    pc.Value = $"doc{d}-v1-{i++}";
                    pt.Value = text;
                    ph.Value = KnowledgeIngestion.ChunkHash(text);
                    insert.ExecuteNonQuery();
                }
                tx.Commit();
                d++;
            }
            var used = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
            Console.WriteLine($"WRITES {name}: {used:F2} CPU-s = {mb / used:F1} MB/CPU-s, wall {mb / clock.Elapsed.TotalSeconds:F1} MB/s");
        }
    }

    // The reuse lookups' wall time, summed over documents.
    private static long LookupTicks;

    private static async Task<(TimeSpan ExtractAndChunk, int Chunks)> IngestOneAsync(SqliteKnowledgeIndex index, TenantId tenant, string documentId, byte[] bytes,
        ChunkingOptions options, float[] vector, string kb = "kb_ingest")
    {
        var clock = Stopwatch.StartNew();
        var chunks = TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, bytes), options);
        var indexed = chunks.Select(c => new IndexedChunk($"{documentId}-v1-{c.Ordinal}", documentId, documentId + ".txt", c.Ordinal, c.Content,
            KnowledgeIngestion.ChunkHash(c.EmbeddingText), new ChunkCitation(c.HeadingPath, c.Page, c.Start, c.End), vector)).ToList();
        var split = clock.Elapsed;
        // As KnowledgeIngestion does before embedding: the vectors the tenant already has for these chunks' hashes (in the
        // measured corpus none: every text is new; embedding is not part of this figure).
        var lk = Stopwatch.StartNew();
        await index.FindVectorsAsync(tenant, indexed.Select(c => c.ContentHash).Distinct().ToList());
        Interlocked.Add(ref LookupTicks, lk.ElapsedTicks);
        await index.ReplaceDocumentAsync(IndexScope.Of(tenant, kb), documentId, indexed);
        return (split, indexed.Count);
    }

    private static async Task EmbedAsync()
    {
        var embedder = MiniLmEmbedder.Shared;
        var options = new ChunkingOptions(160, 24, embedder.MaxInputTokens, embedder.CountInputTokens);
        var texts = Corpus(4, 64 * 1024, 7).SelectMany(t => TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, Encoding.UTF8.GetBytes(t)), options))
            .Select(c => c.EmbeddingText).Take(544).ToList();
        await embedder.EmbedAsync(texts.Take(32).ToList()); // model load and warm-up
        var measured = texts.Skip(32).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var batch in measured.Chunk(new KnowledgeOptions().EmbeddingBatch)) await embedder.EmbedAsync(batch);
        clock.Stop();
        Console.WriteLine($"EMBED all-MiniLM-L6-v2 (local, batches of {new KnowledgeOptions().EmbeddingBatch}): {measured.Count} chunks of ~160 o200k tokens in " +
            $"{clock.Elapsed.TotalSeconds:F2} s = {measured.Count / clock.Elapsed.TotalSeconds:F1} chunks/s");
    }

    /// <summary>The in-memory half of a search on its own (no SQLite): the int8 vector scan.</summary>
    private static void QueryParts()
    {
        var random = new Random(42);
        var zipf = new ZipfText(30_000, 11);
        var corpus = string.Join("\n\n", Enumerable.Range(0, 12_000).Select(_ => zipf.Paragraph(random)));
        var texts = TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, Encoding.UTF8.GetBytes(corpus)), new ChunkingOptions(160, 24, 256, TextChunker.CountTokens)).Select(c => c.Content).ToList();
        var memory = new KnowledgeBaseMemory();
        var before = GC.GetTotalMemory(true);
        var build = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < 100_000; i++)
        {
            memory.Add(new PreparedChunk(i + 1, UnitVector(random, 384)));
        }
        var heap = GC.GetTotalMemory(true);
        memory.Trim();
        Console.WriteLine($"PARTS build 100000 chunks: {(Environment.CpuUsage.TotalTime - build).TotalSeconds:F2} CPU-s (with random vectors), managed heap +{(heap - before) / 1e6:F0} MB, +{(GC.GetTotalMemory(true) - before) / 1e6:F0} MB trimmed");
        var queries = Enumerable.Range(0, 256).Select(_ => (Text: string.Join(' ', Enumerable.Range(0, random.Next(3, 7)).Select(_ => zipf.Word(random))), Vector: UnitVector(random, 384))).ToList();
        void Time(string name, Action<int> action)
        {
            for (var i = 0; i < 20; i++) action(i);
            var latencies = new List<double>();
            var cpu = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < 1000; i++)
            {
                var clock = Stopwatch.StartNew();
                action(i);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"PARTS {name}: {Percentiles(latencies)}; CPU {(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / 1000:F2} ms per query");
        }
        Time("int8 scan top 80", i => memory.VectorCandidates(queries[i % 256].Vector, 80));
    }

    private static async Task QueryAsync(string root, int count)
    {
        const int TargetChunks = 100_000;
        const int OtherTenants = 3;
        const int OtherChunks = 30_000;
        var index = new SqliteKnowledgeIndex(Path.Combine(root, "query.db"));
        var embedder = MiniLmEmbedder.Shared;
        var options = new ChunkingOptions(160, 24, embedder.MaxInputTokens, TextChunker.CountTokens);
        var random = new Random(42);
        var zipf = new ZipfText(30_000, 11);
        var corpus = string.Join("\n\n", Enumerable.Range(0, 12_000).Select(_ => zipf.Paragraph(random)));
        var texts = TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, Encoding.UTF8.GetBytes(corpus)), options).Select(c => c.Content).ToList();
        var target = new TenantId("ten_target");
        var load = Stopwatch.StartNew();
        await FillAsync(index, target, "kb_target", TargetChunks, texts, random, embedder.Dimensions);
        for (var t = 0; t < OtherTenants; t++) await FillAsync(index, new TenantId($"ten_other{t}"), "kb_target", OtherChunks, texts, random, embedder.Dimensions);
        Console.WriteLine($"QUERY setup: {texts.Count} distinct chunk texts (Zipf words); {TargetChunks} chunks in the queried tenant, {OtherTenants} x {OtherChunks} in others (same knowledge base id), loaded in {load.Elapsed.TotalSeconds:F1} s");

        var scope = IndexScope.Of(target, "kb_target");
        var queries = Enumerable.Range(0, 256).Select(_ => (Text: string.Join(' ', Enumerable.Range(0, random.Next(3, 7)).Select(_ => zipf.Word(random))),
            Vector: UnitVector(random, embedder.Dimensions))).ToList();
        var first = Stopwatch.StartNew();
        await index.SearchAsync(new IndexSearch(scope, queries[0].Text, queries[0].Vector, 5, SearchMode.Hybrid));
        Console.WriteLine($"QUERY first search of the knowledge base since the index opened (reads its chunks into the in-memory vector index): {first.Elapsed.TotalMilliseconds:F0} ms");
        // A write now updates the in-memory index instead of dropping it: replace one 1,000-chunk document, then search.
        var write = Stopwatch.StartNew();
        await FillAsync(index, target, "kb_target", 1000, texts, random, embedder.Dimensions);
        var written = write.Elapsed;
        var after = Stopwatch.StartNew();
        await index.SearchAsync(new IndexSearch(scope, queries[1].Text, queries[1].Vector, 5, SearchMode.Hybrid));
        Console.WriteLine($"QUERY replacing a 1,000-chunk document of the searched knowledge base: {written.TotalMilliseconds:F0} ms; the next hybrid search: {after.Elapsed.TotalMilliseconds:F1} ms");
        foreach (var mode in new[] { SearchMode.Hybrid, SearchMode.Keyword, SearchMode.Vector })
        {
            for (var i = 0; i < 20; i++) await index.SearchAsync(new IndexSearch(scope, queries[i % queries.Count].Text, queries[i % queries.Count].Vector, 5, mode));
            var latencies = new List<double>();
            // Each query's best time over its repeats: what it costs when it is not preempted (the machine is shared).
            var best = new Dictionary<string, double>();
            var empty = 0;
            var cpu = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < count; i++)
            {
                var q = queries[i % queries.Count];
                var clock = Stopwatch.StartNew();
                var hits = await index.SearchAsync(new IndexSearch(scope, q.Text, q.Vector, 5, mode));
                latencies.Add(clock.Elapsed.TotalMilliseconds);
                best[q.Text] = Math.Min(best.GetValueOrDefault(q.Text, double.MaxValue), latencies[^1]);
                if (hits.Any(h => !h.ChunkId.StartsWith("ten_target", StringComparison.Ordinal))) throw new InvalidOperationException("A query answered another tenant's chunk.");
                if (hits.Count == 0) empty++;
            }
            var cpuPerQuery = (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / count;
            Console.WriteLine($"QUERY {mode.ToString().ToLowerInvariant()} top 5 over {TargetChunks} chunks, {count} queries: {Percentiles(latencies)}; process CPU {cpuPerQuery:F2} ms per query (query embedding excluded; {empty} answered nothing)");
            Console.WriteLine($"QUERY {mode.ToString().ToLowerInvariant()} each query's best of its {count / queries.Count} runs: {Percentiles([.. best.Values])}; slowest: " +
                string.Join("; ", best.OrderByDescending(p => p.Value).Take(4).Select(p => $"'{p.Key}' {p.Value:F1} ms")));
        }

        // The halves as a hybrid query asks them (20 candidates each), to see what the fusion adds.
        foreach (var mode in new[] { SearchMode.Keyword, SearchMode.Vector })
        {
            var cpu = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < Math.Min(count, 512); i++)
            {
                var q = queries[i % queries.Count];
                await index.SearchAsync(new IndexSearch(scope, q.Text, q.Vector, 20, mode));
            }
            Console.WriteLine($"QUERY {mode.ToString().ToLowerInvariant()} top 20 (a hybrid half): process CPU {(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / Math.Min(count, 512):F2} ms per query");
        }

        var questions = Enumerable.Range(0, 120).Select(i => $"How long is the {Words[i % Words.Length]} window for {Words[(i * 7) % Words.Length]} returns?").ToList();
        for (var i = 0; i < 10; i++) await embedder.EmbedAsync([questions[i]]);
        var embedLatencies = new List<double>();
        foreach (var question in questions.Skip(20))
        {
            var clock = Stopwatch.StartNew();
            await embedder.EmbedAsync([question]);
            embedLatencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"QUERY embedding of the question alone (MiniLM, one text): {Percentiles(embedLatencies)}");
    }

    /// <summary>The MATCH alone per query shape (<see cref="KnowledgeQueryShapes"/>), on the query figure's corpus kept at <paramref name="path"/>.</summary>
    private static async Task QueryShapesAsync(string path)
    {
        var random = new Random(42);
        var zipf = new ZipfText(30_000, 11);
        if (!File.Exists(path))
        {
            var index = new SqliteKnowledgeIndex(path);
            var corpus = string.Join("\n\n", Enumerable.Range(0, 12_000).Select(_ => zipf.Paragraph(random)));
            var texts = TextChunker.Split(DocumentExtractor.Extract(FileFormat.Text, Encoding.UTF8.GetBytes(corpus)), new ChunkingOptions(160, 24, 256, TextChunker.CountTokens)).Select(c => c.Content).ToList();
            await FillAsync(index, new TenantId("ten_target"), "kb_target", 100_000, texts, random, 384);
            for (var t = 0; t < 3; t++) await FillAsync(index, new TenantId($"ten_other{t}"), "kb_target", 30_000, texts, random, 384);
            await FillAsync(index, new TenantId("ten_target"), "kb_target", 1000, texts, random, 384);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        var queryRandom = new Random(43);
        var queries = Enumerable.Range(0, 256).Select(_ => string.Join(' ', Enumerable.Range(0, queryRandom.Next(3, 7)).Select(_ => zipf.Word(queryRandom)))).ToList();
        KnowledgeQueryShapes.Run(path, queries);
    }

    private static async Task FillAsync(SqliteKnowledgeIndex index, TenantId tenant, string kb, int count, List<string> texts, Random random, int dimensions)
    {
        const int PerDocument = 1000;
        for (var d = 0; d * PerDocument < count; d++)
        {
            var documentId = $"doc_{d}";
            var chunks = Enumerable.Range(0, Math.Min(PerDocument, count - d * PerDocument)).Select(i =>
            {
                var content = texts[random.Next(texts.Count)];
                return new IndexedChunk($"{tenant.Value}-{documentId}-{i}", documentId, documentId + ".txt", i, content, $"{tenant.Value}-{d}-{i}",
                    new ChunkCitation([], null, 0, content.Length), UnitVector(random, dimensions));
            }).ToList();
            await index.ReplaceDocumentAsync(IndexScope.Of(tenant, kb), documentId, chunks);
        }
    }

    private sealed record LabelledQuestion(string Question, string Document, string Answer);

    private static async Task QualityAsync(string root)
    {
        var folder = KnowledgeSampleFiles.Folder();
        var files = KnowledgeSampleFiles.Load(folder);
        var questions = JsonSerializer.Deserialize<List<LabelledQuestion>>(File.ReadAllText(Path.Combine(folder, "questions.json")), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        var embedder = MiniLmEmbedder.Shared;
        var index = new SqliteKnowledgeIndex(Path.Combine(root, "quality.db"));
        var tenant = new TenantId("ten_quality");
        var scope = IndexScope.Of(tenant, "kb_samples");
        var defaults = new KnowledgeOptions();
        var chunkCount = 0;
        foreach (var file in files)
        {
            var chunks = TextChunker.Split(DocumentExtractor.Extract(file.Format, file.Bytes),
                ChunkingOptions.For(defaults.DefaultChunkTokens, defaults.DefaultOverlapTokens, embedder));
            var vectors = await embedder.EmbedAsync(chunks.Select(c => c.EmbeddingText).ToList());
            await index.ReplaceDocumentAsync(scope, file.Name, chunks.Select((c, i) => new IndexedChunk($"{file.Name}-{c.Ordinal}", file.Name, file.Name, c.Ordinal, c.Content,
                KnowledgeIngestion.ChunkHash(c.EmbeddingText), new ChunkCitation(c.HeadingPath, c.Page, c.Start, c.End), vectors[i])).ToList());
            chunkCount += chunks.Count;
        }
        var search = new KnowledgeSearch(index, embedder);
        Console.WriteLine($"QUALITY {questions.Count} labelled questions over {files.Count} documents ({string.Join(", ", files.Select(f => f.Name))}), {chunkCount} chunks");
        foreach (var mode in new[] { SearchMode.Keyword, SearchMode.Vector, SearchMode.Hybrid })
        {
            var found = 0;
            var first = 0;
            var misses = new List<string>();
            foreach (var question in questions)
            {
                var hits = (await search.SearchAsync(scope, question.Question, 5, mode)).Hits;
                var rank = hits.ToList().FindIndex(h => h.DocumentName == question.Document && Normalise(h.Content).Contains(Normalise(question.Answer), StringComparison.Ordinal));
                if (rank >= 0) found++;
                if (rank == 0) first++;
                if (rank < 0) misses.Add(question.Question);
            }
            Console.WriteLine($"QUALITY {mode.ToString().ToLowerInvariant()}: recall@5 {found}/{questions.Count} = {(double)found / questions.Count:F3}, recall@1 {(double)first / questions.Count:F3}");
            foreach (var miss in misses) Console.WriteLine($"  missed ({mode.ToString().ToLowerInvariant()}): {miss}");
        }
    }

    private static string Normalise(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static float[] UnitVector(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            // Box-Muller: normal components make directions uniform on the sphere.
            vector[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < dimensions; i++) vector[i] /= norm;
        return vector;
    }

    private static string Percentiles(List<double> latencies)
    {
        var sorted = latencies.Order().ToList();
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.50):F2} ms, p95 {At(0.95):F2} ms, p99 {At(0.99):F2} ms, max {sorted[^1]:F2} ms");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The machine's busy CPU time so far, every process (Linux /proc/stat: user, nice, system, irq, softirq, steal), or zero elsewhere.</summary>
    private static TimeSpan MachineBusy()
    {
        if (!File.Exists("/proc/stat")) return TimeSpan.Zero;
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
