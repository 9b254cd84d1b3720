using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local search index: one SQLite file (WAL) with the chunk table (content, citation, vector as half floats) and an
/// FTS5 table beside it (porter stemming, ranked by bm25) holding each chunk's words and its scope token. Vector search
/// runs on each knowledge base's <see cref="KnowledgeBaseMemory"/> (quantized vectors, built from the table on the
/// knowledge base's first search and kept current by every write); the hits of both halves are read back from the chunk
/// table with the tenant and knowledge-base filter in the statement. A document's chunks are replaced in one transaction
/// whose commit and in-memory update happen under one write lock, so a search sees the old set or the new one.
/// </summary>
public sealed partial class SqliteKnowledgeIndex : IKnowledgeIndex
{
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    // Searches read under the read lock; writers commit and update the in-memory state under the write lock, so a search
    // sees one committed state in SQLite and in memory alike.
    private readonly ReaderWriterLockSlim consistency = new(LockRecursionPolicy.NoRecursion);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Kb), Lazy<KnowledgeBaseMemory>> memories = new();

    /// <summary>
    /// The keyword index: the chunk's words, its heading path, and one scope token (tenant and knowledge base) that a
    /// MATCH requires, so FTS5 ranks only the scope's chunks. Contentless (the text is in <c>chunks</c>), deletable rows.
    /// </summary>
    private const string FtsTable = "CREATE VIRTUAL TABLE chunks_fts USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2')";

    /// <summary>
    /// A query term that occurs in more than this share of the index's chunks is left out of the MATCH when rarer terms
    /// exist (a dynamic stop word): each such term makes FTS5 visit and bm25-score that many rows, for a weight near zero.
    /// </summary>
    internal const double CommonShare = 0.005;

    /// <summary>
    /// ... and in more than this many chunks: below it a term costs FTS5 little (under about 0.2 ms), and small knowledge
    /// bases keep the plain OR of their words.
    /// </summary>
    internal const int CommonFloor = 1000;

    /// <summary>When every query term is common, only this many of the rarest are matched.</summary>
    internal const int CommonTermsKept = 1;

    // Chunks in the index (all tenants): the denominator of the common-term share; kept by the writes under the writer.
    private long total;

    // How many chunks each query word's stem occurs in (fts5vocab), remembered until the next write: counting reads the
    // stem's whole doclist, a few milliseconds for a word in most chunks. Cleared under the write lock by every commit.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> frequencies = new(StringComparer.OrdinalIgnoreCase);

    private readonly long commonFloor;

    public SqliteKnowledgeIndex(string path) : this(path, CommonFloor)
    {
    }

    /// <summary>With another floor for common terms (tests: a small index that still has common terms).</summary>
    internal SqliteKnowledgeIndex(string path, long commonFloor)
    {
        this.commonFloor = commonFloor;
        connectionString = LocalSqlite.ConnectionString(path);
        using var connection = Open();
        LocalSqlite.Execute(connection, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS chunks (
                id INTEGER PRIMARY KEY,
                chunk_id TEXT NOT NULL UNIQUE,
                tenant_id TEXT NOT NULL,
                kb_id TEXT NOT NULL,
                document_id TEXT NOT NULL,
                document_name TEXT NOT NULL,
                ordinal INTEGER NOT NULL,
                content TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                heading_path TEXT NOT NULL,
                page INTEGER,
                start_offset INTEGER NOT NULL,
                end_offset INTEGER NOT NULL,
                vector BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS chunks_scope ON chunks (tenant_id, kb_id, document_id);
            CREATE INDEX IF NOT EXISTS chunks_hash ON chunks (tenant_id, content_hash);
            """);
        // Version 0: FTS5 table (maybe without the scope column) and vectors as 4-byte floats. Version 1 (branch
        // knowledge-perf): no FTS5 table, vectors as half floats. Version 2: half floats and the FTS5 table. An older index
        // gets its vectors rewritten as half floats (from version 0) and its FTS5 table rebuilt from the chunk table, in
        // one transaction.
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        var from = (long)version.ExecuteScalar()!;
        if (from < 2)
        {
            using (var transaction = connection.BeginTransaction())
            {
                var floats = new List<(long Id, byte[] Vector)>();
                using var upgrade = connection.CreateCommand();
                upgrade.Transaction = transaction;
                if (from < 1)
                {
                    upgrade.CommandText = "SELECT id, vector FROM chunks";
                    using (var reader = upgrade.ExecuteReader())
                    {
                        while (reader.Read()) floats.Add((reader.GetInt64(0), (byte[])reader[1]));
                    }
                }
                using var rewrite = connection.CreateCommand();
                rewrite.Transaction = transaction;
                rewrite.CommandText = "UPDATE chunks SET vector = $vector WHERE id = $id";
                var id = rewrite.Parameters.Add(new SqliteParameter("$id", null));
                var vector = rewrite.Parameters.Add(new SqliteParameter("$vector", null));
                foreach (var row in floats)
                {
                    id.Value = row.Id;
                    vector.Value = ToBlob(MemoryMarshal.Cast<byte, float>(row.Vector.AsSpan()));
                    rewrite.ExecuteNonQuery();
                }
                upgrade.CommandText = $"DROP TABLE IF EXISTS chunks_fts; {FtsTable};";
                upgrade.ExecuteNonQuery();
                using (var rows = connection.CreateCommand())
                {
                    rows.Transaction = transaction;
                    rows.CommandText = "SELECT id, content, heading_path, tenant_id, kb_id FROM chunks";
                    using var fill = connection.CreateCommand();
                    fill.Transaction = transaction;
                    fill.CommandText = "INSERT INTO chunks_fts (rowid, content, headings, scope) VALUES ($id, $content, $headings, $scope)";
                    var p = new[] { "$id", "$content", "$headings", "$scope" }.Select(n => fill.Parameters.Add(new SqliteParameter(n, null))).ToArray();
                    using var reader = rows.ExecuteReader();
                    while (reader.Read())
                    {
                        p[0].Value = reader.GetInt64(0);
                        p[1].Value = reader.GetString(1);
                        p[2].Value = HeadingText(reader.GetString(2));
                        p[3].Value = ScopeToken(reader.GetString(3), reader.GetString(4));
                        fill.ExecuteNonQuery();
                    }
                }
                LocalSqlite.Execute(connection, "PRAGMA user_version = 2");
                transaction.Commit();
                if (floats.Count > 0) LocalSqlite.Compact(connection);
            }
        }
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM chunks";
        total = (long)count.ExecuteScalar()!;
    }

    /// <summary>The scope's token in the keyword index: letters and digits only, so the tokenizer keeps it whole.</summary>
    internal static string ScopeToken(string tenant, string kb) => "s" + Convert.ToHexString(Encoding.UTF8.GetBytes(tenant + "/" + kb)) + "0";

    /// <summary>The heading path as keyword text (stored as a JSON array).</summary>
    private static string HeadingText(string json) => json == "[]" ? "" : string.Join(" > ", JsonSerializer.Deserialize<List<string>>(json) ?? []);

    /// <summary>A vector as stored: half floats (2 bytes per dimension; the relative error, under 0.05%, moves cosines by less than 0.001).</summary>
    internal static byte[] ToBlob(ReadOnlySpan<float> vector)
    {
        var blob = new byte[vector.Length * 2];
        TensorPrimitives.ConvertToHalf(vector, MemoryMarshal.Cast<byte, Half>(blob.AsSpan()));
        return blob;
    }

    private static float[] ToVector(byte[] blob)
    {
        var halves = MemoryMarshal.Cast<byte, Half>(blob.AsSpan());
        var vector = new float[halves.Length];
        TensorPrimitives.ConvertToSingle(halves, vector);
        return vector;
    }

    public async Task ReplaceDocumentAsync(IndexScope scope, string documentId, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        if (chunks.Any(c => c.DocumentId != documentId)) throw new ArgumentException("Every chunk must belong to the document being replaced.", nameof(chunks));
        var kb = SingleKnowledgeBase(scope);
        // Converted before taking the writer, so the serialised part is SQLite's own work.
        var vectors = chunks.Select(c => ToBlob(c.Vector)).ToArray();
        var headings = chunks.Select(c => c.Citation.HeadingPath.Count == 0 ? "[]" : JsonSerializer.Serialize(c.Citation.HeadingPath)).ToArray();
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            var removed = DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, kb, documentId);
            long next;
            using (var max = connection.CreateCommand())
            {
                max.Transaction = transaction;
                max.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM chunks";
                next = (long)max.ExecuteScalar()!;
            }
            var first = next;
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO chunks (id, chunk_id, tenant_id, kb_id, document_id, document_name, ordinal, content, content_hash, heading_path, page, start_offset, end_offset, vector)
                VALUES ($id, $chunk, $tenant, $kb, $document, $name, $ordinal, $content, $hash, $headings, $page, $start, $end, $vector);
                INSERT INTO chunks_fts (rowid, content, headings, scope) VALUES ($id, $content, $headingText, $scope);
                """;
            // One prepared statement for the whole document; only the values change per chunk.
            string[] names = ["$chunk", "$tenant", "$kb", "$document", "$name", "$ordinal", "$content", "$hash", "$headings", "$id", "$page", "$start", "$end", "$vector", "$headingText", "$scope"];
            var p = names.Select(n => insert.Parameters.Add(new SqliteParameter(n, null))).ToArray();
            p[1].Value = scope.Tenant.Value;
            p[2].Value = kb;
            p[3].Value = documentId;
            p[15].Value = ScopeToken(scope.Tenant.Value, kb);
            insert.Prepare();
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                p[0].Value = chunk.ChunkId;
                p[4].Value = chunk.DocumentName;
                p[5].Value = chunk.Ordinal;
                p[6].Value = chunk.Content;
                p[7].Value = chunk.ContentHash;
                p[8].Value = headings[i];
                p[9].Value = next++;
                p[10].Value = (object?)chunk.Citation.Page ?? DBNull.Value;
                p[11].Value = chunk.Citation.Start;
                p[12].Value = chunk.Citation.End;
                p[13].Value = vectors[i];
                p[14].Value = chunk.Citation.HeadingPath.Count == 0 ? "" : string.Join(" > ", chunk.Citation.HeadingPath);
                insert.ExecuteNonQuery();
            }
            Commit(transaction, scope.Tenant, kb, removed, () => [.. chunks.Select((c, i) => new PreparedChunk(first + i, c.Vector))]);
            total += chunks.Count - removed.Count;
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>
    /// Commits, and applies the change to the knowledge base's in-memory state if it is loaded, as one step for readers.
    /// <paramref name="added"/> is asked for only when it is loaded.
    /// </summary>
    private void Commit(SqliteTransaction transaction, TenantId tenant, string kb, IReadOnlyList<long> removed, Func<List<PreparedChunk>> added)
    {
        consistency.EnterWriteLock();
        try
        {
            transaction.Commit();
            frequencies.Clear();
            if (memories.TryGetValue((tenant.Value, kb), out var lazy))
            {
                if (!lazy.IsValueCreated)
                {
                    memories.TryRemove((tenant.Value, kb), out _);
                    return;
                }
                var memory = lazy.Value;
                foreach (var row in removed) memory.Remove(row);
                foreach (var chunk in added()) memory.Add(chunk);
            }
        }
        finally
        {
            consistency.ExitWriteLock();
        }
    }

    /// <summary>Commits and forgets the in-memory state of the knowledge bases (whole knowledge bases or tenants deleted).</summary>
    private void CommitDropping(SqliteTransaction transaction, Func<(string Tenant, string Kb), bool> dropped)
    {
        consistency.EnterWriteLock();
        try
        {
            transaction.Commit();
            frequencies.Clear();
            foreach (var key in memories.Keys.Where(dropped).ToList()) memories.TryRemove(key, out _);
        }
        finally
        {
            consistency.ExitWriteLock();
        }
    }

    public Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            var kb = SingleKnowledgeBase(scope);
            using var transaction = connection.BeginTransaction();
            var removed = DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, kb, documentId);
            Commit(transaction, scope.Tenant, kb, removed, () => []);
            total -= removed.Count;
        }, cancellationToken);

    public Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var kb in scope.KnowledgeBaseIds)
            {
                total -= DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb", scope.Tenant, kb, null).Count;
            }
            CommitDropping(transaction, key => key.Tenant == scope.Tenant.Value && scope.KnowledgeBaseIds.Contains(key.Kb));
        }, cancellationToken);

    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE tenant_id = $tenant)";
                command.Parameters.AddWithValue("$tenant", tenant.Value);
                command.ExecuteNonQuery();
                command.CommandText = "DELETE FROM chunks WHERE tenant_id = $tenant";
                removed = command.ExecuteNonQuery();
            }
            CommitDropping(transaction, key => key.Tenant == tenant.Value);
            total -= removed;
            // Deleted rows linger: FTS5 keeps the terms of deleted rows in its segments until they are merged, and SQLite
            // keeps freed pages and the WAL. Merge the full-text index, fold the WAL back and rebuild the file, so the
            // tenant's text is gone from disk, not only from queries.
            if (removed > 0)
            {
                LocalSqlite.Execute(connection, "INSERT INTO chunks_fts(chunks_fts) VALUES('optimize');");
                LocalSqlite.Compact(connection);
            }
        }, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    public Task<IReadOnlyDictionary<string, float[]>> FindVectorsAsync(TenantId tenant, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (contentHashes.Count == 0) return Task.FromResult<IReadOnlyDictionary<string, float[]>>(found);
        using var connection = Open();
        foreach (var batch in contentHashes.Distinct(StringComparer.Ordinal).Chunk(200))
        {
            using var command = connection.CreateCommand();
            var names = batch.Select((_, i) => "$h" + i).ToList();
            command.CommandText = $"SELECT content_hash, vector FROM chunks WHERE tenant_id = $tenant AND content_hash IN ({string.Join(", ", names)}) GROUP BY content_hash";
            command.Parameters.AddWithValue("$tenant", tenant.Value);
            for (var i = 0; i < batch.Length; i++) command.Parameters.AddWithValue(names[i], batch[i]);
            using var reader = command.ExecuteReader();
            while (reader.Read()) found[reader.GetString(0)] = ToVector((byte[])reader[1]);
        }
        return Task.FromResult<IReadOnlyDictionary<string, float[]>>(found);
    }

    public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(search.TopK, 1);
        if (search.Mode != SearchMode.Keyword && search.Vector is null) throw new ArgumentException("Vector and hybrid searches need the query's vector.", nameof(search));
        using var connection = Open();
        consistency.EnterReadLock();
        try
        {
            var memory = search.Mode == SearchMode.Keyword ? [] : search.Scope.KnowledgeBaseIds.Select(kb => MemoryOf(search.Scope.Tenant, kb)).ToList();
            IReadOnlyList<KnowledgeHit> hits;
            if (search.Mode == SearchMode.Keyword)
            {
                var keyword = Keyword(connection, search.Scope, search.Text, search.TopK);
                var rows = Read(connection, search.Scope, keyword.Select(k => k.Row));
                hits = KeywordHits(keyword, rows);
            }
            else if (search.Mode == SearchMode.Vector)
            {
                var vector = Vector(connection, search.Scope, memory, search.Vector!, search.TopK);
                var rows = Read(connection, search.Scope, vector.Select(v => v.Row));
                hits = VectorHits(vector, rows);
            }
            else
            {
                var candidates = Candidates(search.TopK);
                var keyword = Keyword(connection, search.Scope, search.Text, candidates);
                var vector = Vector(connection, search.Scope, memory, search.Vector!, candidates);
                var rows = Read(connection, search.Scope, keyword.Select(k => k.Row).Concat(vector.Select(v => v.Row)));
                hits = RankFusion.Fuse([KeywordHits(keyword, rows), VectorHits(vector, rows)], search.TopK);
            }
            return Task.FromResult(hits);
        }
        finally
        {
            consistency.ExitReadLock();
        }
    }

    private static int Candidates(int topK) => Math.Max(topK * 4, 20);

    /// <summary>The knowledge base's in-memory state, read from SQLite on its first search (see <see cref="KnowledgeBaseMemory"/>).</summary>
    private KnowledgeBaseMemory MemoryOf(TenantId tenant, string kb)
    {
        var key = (tenant.Value, kb);
        var lazy = memories.GetOrAdd(key, k => new Lazy<KnowledgeBaseMemory>(() => Load(k.Tenant, k.Kb), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            memories.TryRemove(new KeyValuePair<(string, string), Lazy<KnowledgeBaseMemory>>(key, lazy));
            throw;
        }
    }

    private KnowledgeBaseMemory Load(string tenant, string kb)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, vector FROM chunks WHERE tenant_id = $tenant AND kb_id = $kb ORDER BY id";
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$kb", kb);
        using var reader = command.ExecuteReader();
        var memory = new KnowledgeBaseMemory();
        while (reader.Read()) memory.Add(new PreparedChunk(reader.GetInt64(0), ToVector((byte[])reader[1])));
        memory.Trim();
        return memory;
    }

    /// <summary>
    /// The <paramref name="limit"/> best chunks of the scope by FTS5's bm25 (row id and positive score, best first). The
    /// MATCH requires the scope's token (weight 0 in bm25) and ORs the query's terms, shaped by how many chunks each
    /// occurs in (see <see cref="QueryTerms"/>).
    /// </summary>
    private List<(long Row, double Score)> Keyword(SqliteConnection connection, IndexScope scope, string text, int limit)
    {
        var words = QueryTerms(connection, text);
        if (words.Count == 0) return [];
        var match = $"scope : ({string.Join(" OR ", scope.KnowledgeBaseIds.Select(kb => Quote(ScopeToken(scope.Tenant.Value, kb))))}) AND {{content headings}} : ({string.Join(" OR ", words.Select(Quote))})";
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH $match AND rank MATCH 'bm25(1.0, 1.0, 0.0)' ORDER BY rank LIMIT $limit";
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$limit", limit);
        var found = new List<(long, double)>(limit);
        using var reader = command.ExecuteReader();
        while (reader.Read()) found.Add((reader.GetInt64(0), Math.Max(0, -reader.GetDouble(1))));
        return found;
    }

    private static string Quote(string term) => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The query's words to OR in the MATCH (each quoted, so user text never reaches FTS5's query syntax; at most 64).
    /// English function words are left out when the query has other words. Then each word's stem (FTS5's own tokenizer,
    /// through a per-connection scratch FTS5 table) is looked up in <c>chunks_fts_vocab</c> for the number of chunks it
    /// occurs in: words in more than <see cref="CommonShare"/> of the index's chunks (and more than <see cref="CommonFloor"/>)
    /// are left out when rarer words exist,
    /// and when every word is that common only the <see cref="CommonTermsKept"/> rarest are kept. Words no chunk has are
    /// dropped. bm25 still ranks the chunks that match the words kept.
    /// </summary>
    private List<string> QueryTerms(SqliteConnection connection, string text)
    {
        var words = Term().Matches(text).Select(m => m.Value).Distinct(StringComparer.OrdinalIgnoreCase).Take(64).ToList();
        var content = words.Where(w => !StopWords.Contains(w.ToLowerInvariant())).ToList();
        if (content.Count > 0) words = content;
        if (words.Count == 0) return [];
        var counted = new List<(string Word, long Chunks)>(words.Count);
        var unknown = new List<string>();
        foreach (var word in words)
        {
            if (frequencies.TryGetValue(word, out var known)) counted.Add((word, known));
            else unknown.Add(word);
        }
        if (unknown.Count > 0) Count(connection, unknown, counted);
        counted.RemoveAll(c => c.Chunks == 0);
        if (counted.Count == 0) return [];
        var common = Math.Max(commonFloor, (long)(CommonShare * total));
        var rare = counted.Where(c => c.Chunks <= common).Select(c => c.Word).ToList();
        return rare.Count > 0 ? rare : [.. counted.OrderBy(c => c.Chunks).Take(CommonTermsKept).Select(c => c.Word)];
    }

    /// <summary>Looks up how many chunks each word's stem occurs in, adds them to <paramref name="counted"/> and remembers them.</summary>
    private void Count(SqliteConnection connection, List<string> words, List<(string Word, long Chunks)> counted)
    {
        using var command = connection.CreateCommand();
        // The scratch table lives in the connection's temp schema (pooled connections keep it); each word is its own row,
        // so the vocabulary's instances map stems back to words.
        var values = string.Join(", ", words.Select((_, i) => $"({i}, $w{i})"));
        command.CommandText = $"""
            CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words USING fts5 (word, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words_vocab USING fts5vocab (temp, query_words, 'instance');
            CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_fts_vocab USING fts5vocab (main, chunks_fts, 'row');
            DELETE FROM temp.query_words;
            INSERT INTO temp.query_words (rowid, word) VALUES {values};
            SELECT doc, term FROM temp.query_words_vocab;
            """;
        for (var i = 0; i < words.Count; i++) command.Parameters.AddWithValue("$w" + i, words[i]);
        var stems = new List<(int Word, string Stem)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) stems.Add((reader.GetInt32(0), reader.GetString(1)));
        }
        // One lookup per stem with the term bound, so fts5vocab seeks to it instead of walking the vocabulary.
        using var lookup = connection.CreateCommand();
        lookup.CommandText = "SELECT doc FROM temp.chunks_fts_vocab WHERE term = $term";
        var term = lookup.Parameters.Add(new SqliteParameter("$term", null));
        var chunksOf = new long[words.Count];
        var seen = new bool[words.Count];
        foreach (var (word, stem) in stems)
        {
            term.Value = stem;
            chunksOf[word] = Math.Max(chunksOf[word], lookup.ExecuteScalar() is long n ? n : 0);
            seen[word] = true;
        }
        for (var i = 0; i < words.Count; i++)
        {
            if (seen[i]) counted.Add((words[i], chunksOf[i]));
        }
        if (frequencies.Count > 100_000) frequencies.Clear();
        for (var i = 0; i < words.Count; i++) frequencies.TryAdd(words[i], seen[i] ? counted.First(c => c.Word == words[i]).Chunks : 0);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial System.Text.RegularExpressions.Regex Term();

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "but", "by", "can",
        "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "than", "that", "the", "their", "them",
        "then", "there", "these", "they", "this", "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your",
    };

    private static List<KnowledgeHit> KeywordHits(List<(long Row, double Score)> keyword, Dictionary<long, KnowledgeHit> rows) =>
        keyword.Where(k => rows.ContainsKey(k.Row))
            .Select(k => rows[k.Row] with { Score = Math.Round(k.Score / (1 + k.Score), 6) })
            .OrderByDescending(h => h.Score).ThenBy(h => h.ChunkId, StringComparer.Ordinal).ToList();

    private static List<KnowledgeHit> VectorHits(List<(long Row, float Score)> vector, Dictionary<long, KnowledgeHit> rows) =>
        vector.Where(v => rows.ContainsKey(v.Row)).Select(v => rows[v.Row] with { Score = Math.Round(Math.Clamp((double)v.Score, 0, 1), 6) }).ToList();

    /// <summary>
    /// Candidates from each knowledge base's quantized vectors in memory (four times the limit), then the exact cosine of
    /// each candidate's stored vector, read with the tenant and knowledge-base filter like every other statement.
    /// </summary>
    private static List<(long Row, float Score)> Vector(SqliteConnection connection, IndexScope scope, List<KnowledgeBaseMemory> memory, float[] query, int limit)
    {
        var candidates = memory.SelectMany(m => m.VectorCandidates(query, Math.Max(limit * 4, 40))).Distinct().ToList();
        if (candidates.Count == 0) return [];
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, vector FROM chunks NOT INDEXED WHERE tenant_id = $tenant AND kb_id IN ({ScopeParameters(command, scope)}) AND id IN ({RowParameters(command, candidates)})";
        var scored = new List<(long Row, float Score)>(candidates.Count);
        var vector = new float[query.Length];
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var halves = MemoryMarshal.Cast<byte, Half>(((byte[])reader[1]).AsSpan());
                if (halves.Length != query.Length) continue;
                TensorPrimitives.ConvertToSingle(halves, vector);
                scored.Add((reader.GetInt64(0), TensorPrimitives.CosineSimilarity(query, vector)));
            }
        }
        return [.. scored.OrderByDescending(s => s.Score).ThenBy(s => s.Row).Take(limit)];
    }

    /// <summary>
    /// The hits of these row ids, read with the tenant and knowledge-base filter in the statement (score 0). NOT INDEXED
    /// keeps SQLite on row-id lookups: with the scope index it would walk every chunk of the tenant's knowledge base.
    /// </summary>
    private static Dictionary<long, KnowledgeHit> Read(SqliteConnection connection, IndexScope scope, IEnumerable<long> ids)
    {
        var rows = ids.Distinct().ToList();
        var hits = new Dictionary<long, KnowledgeHit>(rows.Count);
        if (rows.Count == 0) return hits;
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT id, chunk_id, document_id, document_name, content, heading_path, page, start_offset, end_offset
            FROM chunks NOT INDEXED WHERE tenant_id = $tenant AND kb_id IN ({ScopeParameters(command, scope)}) AND id IN ({RowParameters(command, rows)})
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var headings = reader.GetString(5);
            hits[reader.GetInt64(0)] = new KnowledgeHit(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), 0,
                new ChunkCitation(headings == "[]" ? [] : JsonSerializer.Deserialize<List<string>>(headings) ?? [], reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8)));
        }
        return hits;
    }

    private static string RowParameters(SqliteCommand command, List<long> rows)
    {
        var names = new string[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            names[i] = "$id" + i;
            command.Parameters.AddWithValue(names[i], rows[i]);
        }
        return string.Join(", ", names);
    }

    /// <summary>Adds the tenant and knowledge-base parameters to a command and returns the IN list.</summary>
    private static string ScopeParameters(SqliteCommand command, IndexScope scope)
    {
        command.Parameters.AddWithValue("$tenant", scope.Tenant.Value);
        var names = new List<string>(scope.KnowledgeBaseIds.Count);
        for (var i = 0; i < scope.KnowledgeBaseIds.Count; i++)
        {
            names.Add("$kb" + i);
            command.Parameters.AddWithValue("$kb" + i, scope.KnowledgeBaseIds[i]);
        }
        return string.Join(", ", names);
    }

    /// <summary>Deletes the matching chunks; returns their row ids (for the in-memory state).</summary>
    private static List<long> DeleteWhere(SqliteConnection connection, SqliteTransaction transaction, string where, TenantId tenant, string kb, string? documentId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE {where}); DELETE FROM chunks WHERE {where} RETURNING id;";
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$kb", kb);
        if (documentId is not null) command.Parameters.AddWithValue("$document", documentId);
        var removed = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) removed.Add(reader.GetInt64(0));
        return removed;
    }

    private async Task WriteAsync(Action<SqliteConnection> write, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            write(connection);
        }
        finally
        {
            writer.Release();
        }
    }

    private static string SingleKnowledgeBase(IndexScope scope) =>
        scope.KnowledgeBaseIds.Count == 1 ? scope.KnowledgeBaseIds[0] : throw new ArgumentException("A document belongs to one knowledge base.", nameof(scope));

    private SqliteConnection Open() => LocalSqlite.Open(connectionString);
}
