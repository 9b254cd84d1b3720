using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local search index: one SQLite file (WAL) with a chunk table, an FTS5 table (porter stemming, bm25) beside it, and
/// each chunk's vector stored as a blob and scored by brute force with <see cref="TensorPrimitives"/>. Every statement
/// filters on the tenant and the scope's knowledge bases in its WHERE clause. A document's chunks are replaced in one
/// transaction, so a reader (its own snapshot under WAL) sees the old set or the new one.
/// </summary>
public sealed partial class SqliteKnowledgeIndex : IKnowledgeIndex
{
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    // Searches read under the read lock and writers commit and drop the cached vectors under the write lock, so a search
    // sees one committed state in SQLite and in memory alike.
    private readonly ReaderWriterLockSlim consistency = new(LockRecursionPolicy.NoRecursion);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Kb), QuantizedVectors> vectors = new();

    public SqliteKnowledgeIndex(string path)
    {
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
        // The keyword index holds each chunk's words and one scope token (tenant and knowledge base), so a MATCH that
        // requires the scope token ranks only the scope's chunks. An index from before the scope column is rebuilt.
        var rebuild = false;
        using (var probe = connection.CreateCommand())
        {
            probe.CommandText = "SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'";
            if (probe.ExecuteScalar() is string sql && !sql.Contains("scope", StringComparison.Ordinal))
            {
                LocalSqlite.Execute(connection, "DROP TABLE chunks_fts;");
                rebuild = true;
            }
        }
        LocalSqlite.Execute(connection, "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5 (content, headings, scope, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2');");
        if (rebuild)
        {
            LocalSqlite.Execute(connection, "INSERT INTO chunks_fts (rowid, content, headings, scope) SELECT id, content, heading_path, 's' || hex(tenant_id || '/' || kb_id) || '0' FROM chunks;");
        }
    }

    /// <summary>The scope's token in the keyword index: letters and digits only, so the tokenizer keeps it whole.</summary>
    private static string ScopeToken(TenantId tenant, string kb) =>
        "s" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(tenant.Value + "/" + kb)) + "0";

    public async Task ReplaceDocumentAsync(IndexScope scope, string documentId, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        if (chunks.Any(c => c.DocumentId != documentId)) throw new ArgumentException("Every chunk must belong to the document being replaced.", nameof(chunks));
        var kb = SingleKnowledgeBase(scope);
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, kb, documentId);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO chunks (chunk_id, tenant_id, kb_id, document_id, document_name, ordinal, content, content_hash, heading_path, page, start_offset, end_offset, vector)
                VALUES ($chunk, $tenant, $kb, $document, $name, $ordinal, $content, $hash, $headings, $page, $start, $end, $vector);
                INSERT INTO chunks_fts (rowid, content, headings, scope) VALUES (last_insert_rowid(), $content, $headingText, $scope);
                """;
            // One prepared statement pair for the whole document; only the values change per chunk.
            string[] names = ["$chunk", "$tenant", "$kb", "$document", "$name", "$ordinal", "$content", "$hash", "$headings", "$headingText", "$page", "$start", "$end", "$vector", "$scope"];
            var p = names.Select(n => insert.Parameters.Add(new SqliteParameter(n, null))).ToArray();
            p[14].Value = ScopeToken(scope.Tenant, kb);
            p[1].Value = scope.Tenant.Value;
            p[2].Value = kb;
            p[3].Value = documentId;
            insert.Prepare();
            foreach (var chunk in chunks)
            {
                p[0].Value = chunk.ChunkId;
                p[4].Value = chunk.DocumentName;
                p[5].Value = chunk.Ordinal;
                p[6].Value = chunk.Content;
                p[7].Value = chunk.ContentHash;
                p[8].Value = JsonSerializer.Serialize(chunk.Citation.HeadingPath);
                p[9].Value = string.Join(" > ", chunk.Citation.HeadingPath);
                p[10].Value = (object?)chunk.Citation.Page ?? DBNull.Value;
                p[11].Value = chunk.Citation.Start;
                p[12].Value = chunk.Citation.End;
                p[13].Value = MemoryMarshal.AsBytes(chunk.Vector.AsSpan()).ToArray();
                insert.ExecuteNonQuery();
            }
            Commit(transaction, scope.Tenant, [kb]);
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>Commits and drops the cached vectors of the knowledge bases written, as one step for readers.</summary>
    private void Commit(SqliteTransaction transaction, TenantId tenant, IEnumerable<string> knowledgeBaseIds)
    {
        consistency.EnterWriteLock();
        try
        {
            transaction.Commit();
            foreach (var kb in knowledgeBaseIds) vectors.TryRemove((tenant.Value, kb), out _);
        }
        finally
        {
            consistency.ExitWriteLock();
        }
    }

    public Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, SingleKnowledgeBase(scope), documentId);
            Commit(transaction, scope.Tenant, scope.KnowledgeBaseIds);
        }, cancellationToken);

    public Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var kb in scope.KnowledgeBaseIds)
            {
                DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb", scope.Tenant, kb, null);
            }
            Commit(transaction, scope.Tenant, scope.KnowledgeBaseIds);
        }, cancellationToken);

    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var count = connection.CreateCommand())
            {
                count.Transaction = transaction;
                count.CommandText = "SELECT COUNT(*) FROM chunks WHERE tenant_id = $tenant";
                count.Parameters.AddWithValue("$tenant", tenant.Value);
                removed = (long)count.ExecuteScalar()!;
            }
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE tenant_id = $tenant); DELETE FROM chunks WHERE tenant_id = $tenant;";
                command.Parameters.AddWithValue("$tenant", tenant.Value);
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            // Deleted rows linger: FTS5 keeps the terms of deleted rows in its segments until they are merged, and
            // SQLite keeps freed pages and the WAL. Merge the full-text index, fold the WAL back and rebuild the file, so
            // the tenant's text is gone from disk, not only from queries.
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
            IReadOnlyList<KnowledgeHit> hits = search.Mode switch
            {
                SearchMode.Keyword => Keyword(connection, search.Scope, search.Text, search.TopK),
                SearchMode.Vector => Vector(connection, search.Scope, search.Vector!, search.TopK),
                _ => RankFusion.Fuse(
                    [Keyword(connection, search.Scope, search.Text, Candidates(search.TopK)), Vector(connection, search.Scope, search.Vector!, Candidates(search.TopK))],
                    search.TopK),
            };
            return Task.FromResult(hits);
        }
        finally
        {
            consistency.ExitReadLock();
        }
    }

    /// <summary>The knowledge base's vectors in memory, read from SQLite on first use after a write (see <see cref="QuantizedVectors"/>).</summary>
    private QuantizedVectors VectorsOf(SqliteConnection connection, TenantId tenant, string kb) =>
        vectors.GetOrAdd((tenant.Value, kb), key =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, vector FROM chunks WHERE tenant_id = $tenant AND kb_id = $kb";
            command.Parameters.AddWithValue("$tenant", key.Tenant);
            command.Parameters.AddWithValue("$kb", key.Kb);
            using var reader = command.ExecuteReader();
            return QuantizedVectors.Build(Rows(reader));
        });

    private static IEnumerable<(long, byte[])> Rows(SqliteDataReader reader)
    {
        while (reader.Read()) yield return (reader.GetInt64(0), (byte[])reader[1]);
    }

    private static int Candidates(int topK) => Math.Max(topK * 4, 20);

    private List<KnowledgeHit> Keyword(SqliteConnection connection, IndexScope scope, string text, int limit)
    {
        var terms = MatchExpression(text);
        if (terms is null) return [];
        // FTS5 ranks only the scope's chunks (its token is required; weight 0 in bm25); the join re-checks tenant and knowledge base.
        var match = $"scope : ({string.Join(" OR ", scope.KnowledgeBaseIds.Select(kb => "\"" + ScopeToken(scope.Tenant, kb) + "\""))}) AND {{content headings}} : ({terms})";
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT c.chunk_id, c.document_id, c.document_name, c.content, c.heading_path, c.page, c.start_offset, c.end_offset, f.rank
            FROM (SELECT rowid, bm25(chunks_fts, 1.0, 1.0, 0.0) AS rank FROM chunks_fts WHERE chunks_fts MATCH $match ORDER BY rank LIMIT $limit) f
            JOIN chunks c ON c.id = f.rowid
            WHERE c.tenant_id = $tenant AND c.kb_id IN ({ScopeParameters(command, scope)})
            ORDER BY f.rank, c.chunk_id
            """;
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var hits = new List<KnowledgeHit>();
        while (reader.Read())
        {
            var rank = -reader.GetDouble(8);
            hits.Add(ReadHit(reader, Math.Round(Math.Max(0, rank) / (1 + Math.Max(0, rank)), 6)));
        }
        return hits;
    }

    /// <summary>
    /// Candidates from each knowledge base's quantized vectors in memory (four times the limit), then the exact cosine of
    /// each candidate's stored float vector, read with the tenant and knowledge-base filter like every other statement.
    /// </summary>
    private List<KnowledgeHit> Vector(SqliteConnection connection, IndexScope scope, float[] query, int limit)
    {
        var candidates = scope.KnowledgeBaseIds.SelectMany(kb => VectorsOf(connection, scope.Tenant, kb).Candidates(query, Math.Max(limit * 4, 40))).Distinct().ToList();
        if (candidates.Count == 0) return [];
        using var details = connection.CreateCommand();
        var names = candidates.Select((_, i) => "$id" + i).ToList();
        details.CommandText = $"""
            SELECT chunk_id, document_id, document_name, content, heading_path, page, start_offset, end_offset, vector
            FROM chunks WHERE tenant_id = $tenant AND kb_id IN ({ScopeParameters(details, scope)}) AND id IN ({string.Join(", ", names)})
            """;
        for (var i = 0; i < candidates.Count; i++) details.Parameters.AddWithValue(names[i], candidates[i]);
        var scored = new List<(KnowledgeHit Hit, float Score)>(candidates.Count);
        using (var reader = details.ExecuteReader())
        {
            while (reader.Read())
            {
                var vector = MemoryMarshal.Cast<byte, float>(((byte[])reader[8]).AsSpan());
                if (vector.Length != query.Length) continue;
                scored.Add((ReadHit(reader, 0), TensorPrimitives.CosineSimilarity(query, vector)));
            }
        }
        return scored.OrderByDescending(s => s.Score).ThenBy(s => s.Hit.ChunkId, StringComparer.Ordinal).Take(limit)
            .Select(s => s.Hit with { Score = Math.Round(Math.Clamp((double)s.Score, 0, 1), 6) }).ToList();
    }

    private static KnowledgeHit ReadHit(SqliteDataReader reader, double score) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), score,
        new ChunkCitation(JsonSerializer.Deserialize<List<string>>(reader.GetString(4)) ?? [], reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7)));

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

    /// <summary>
    /// The query's words as an FTS5 OR of quoted terms: user text never reaches FTS5's query syntax. English function words
    /// are left out when the query has other words: bm25 weighs them near zero anyway, and in an OR each one would match
    /// (and make FTS5 rank) nearly every chunk of every tenant.
    /// </summary>
    internal static string? MatchExpression(string text)
    {
        var terms = Term().Matches(text).Select(m => m.Value.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Take(64).ToList();
        var content = terms.Where(t => !StopWords.Contains(t)).ToList();
        if (content.Count > 0) terms = content;
        return terms.Count == 0 ? null : string.Join(" OR ", terms.Select(t => "\"" + t.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "but", "by", "can",
        "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "than", "that", "the", "their", "them",
        "then", "there", "these", "they", "this", "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your",
    };

    private static void DeleteWhere(SqliteConnection connection, SqliteTransaction transaction, string where, TenantId tenant, string kb, string? documentId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE {where}); DELETE FROM chunks WHERE {where};";
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$kb", kb);
        if (documentId is not null) command.Parameters.AddWithValue("$document", documentId);
        command.ExecuteNonQuery();
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

    private static float[] ToVector(byte[] blob) => MemoryMarshal.Cast<byte, float>(blob.AsSpan()).ToArray();

    private SqliteConnection Open() => LocalSqlite.Open(connectionString);

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Term();
}
