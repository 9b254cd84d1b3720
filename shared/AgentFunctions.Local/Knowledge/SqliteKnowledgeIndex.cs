using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local search index: one SQLite file (WAL) with the chunk table (content, citation, vector as half floats): the
/// source of truth. Searches run on each knowledge base's <see cref="KnowledgeBaseMemory"/> (BM25 postings and quantized vectors,
/// built from the table on the knowledge base's first search and kept current by every write), then read their hits
/// back from the table with the tenant and knowledge-base filter in the statement. A document's chunks are replaced in
/// one transaction whose commit and in-memory update happen under one write lock, so a search sees the old set or the
/// new one.
/// </summary>
public sealed class SqliteKnowledgeIndex : IKnowledgeIndex
{
    private readonly string connectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    // Searches read under the read lock; writers commit and update the in-memory state under the write lock, so a search
    // sees one committed state in SQLite and in memory alike.
    private readonly ReaderWriterLockSlim consistency = new(LockRecursionPolicy.NoRecursion);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Kb), Lazy<KnowledgeBaseMemory>> memories = new();
    private readonly KeywordTerms terms = new();

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
        // Version 0 (before the index moved into memory): the keyword index was an FTS5 table and vectors were 4-byte
        // floats. Drop the table, so no text lingers in it (a tenant deletion would not reach it any more), and rewrite the
        // vectors as half floats, in one transaction.
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        if ((long)version.ExecuteScalar()! < 1)
        {
            using (var transaction = connection.BeginTransaction())
            {
                using var upgrade = connection.CreateCommand();
                upgrade.Transaction = transaction;
                upgrade.CommandText = "DROP TABLE IF EXISTS chunks_fts; SELECT id, vector FROM chunks";
                var floats = new List<(long Id, byte[] Vector)>();
                using (var reader = upgrade.ExecuteReader())
                {
                    while (reader.Read()) floats.Add((reader.GetInt64(0), (byte[])reader[1]));
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
                LocalSqlite.Execute(connection, "PRAGMA user_version = 1");
                transaction.Commit();
                if (floats.Count > 0) LocalSqlite.Compact(connection);
            }
        }
    }

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
            // The keyword terms of a knowledge base held in memory are counted on another core while SQLite writes.
            var first = next;
            var prepared = memories.ContainsKey((scope.Tenant.Value, kb)) ? Task.Run(() => Prepare(chunks, first), cancellationToken) : null;
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO chunks (id, chunk_id, tenant_id, kb_id, document_id, document_name, ordinal, content, content_hash, heading_path, page, start_offset, end_offset, vector)
                VALUES ($id, $chunk, $tenant, $kb, $document, $name, $ordinal, $content, $hash, $headings, $page, $start, $end, $vector);
                """;
            // One prepared statement for the whole document; only the values change per chunk.
            string[] names = ["$chunk", "$tenant", "$kb", "$document", "$name", "$ordinal", "$content", "$hash", "$headings", "$id", "$page", "$start", "$end", "$vector"];
            var p = names.Select(n => insert.Parameters.Add(new SqliteParameter(n, null))).ToArray();
            p[1].Value = scope.Tenant.Value;
            p[2].Value = kb;
            p[3].Value = documentId;
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
                insert.ExecuteNonQuery();
            }
            var added = prepared is null ? null : await prepared.ConfigureAwait(false);
            Commit(transaction, scope.Tenant, kb, removed, () => added ?? Prepare(chunks, first));
        }
        finally
        {
            writer.Release();
        }
    }

    private List<PreparedChunk> Prepare(IReadOnlyList<IndexedChunk> chunks, long firstRow)
    {
        var prepared = new List<PreparedChunk>(chunks.Count);
        foreach (var chunk in chunks)
        {
            var counted = terms.Count(chunk.Content, chunk.Citation.HeadingPath.Count == 0 ? null : string.Join(" > ", chunk.Citation.HeadingPath), out var length);
            prepared.Add(new PreparedChunk(firstRow++, counted, length, chunk.Vector));
        }
        return prepared;
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
        }, cancellationToken);

    public Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var kb in scope.KnowledgeBaseIds)
            {
                DeleteWhere(connection, transaction, "tenant_id = $tenant AND kb_id = $kb", scope.Tenant, kb, null);
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
                command.CommandText = "DELETE FROM chunks WHERE tenant_id = $tenant";
                command.Parameters.AddWithValue("$tenant", tenant.Value);
                removed = command.ExecuteNonQuery();
            }
            CommitDropping(transaction, key => key.Tenant == tenant.Value);
            // Deleted rows linger: SQLite keeps freed pages and the WAL. Fold the WAL back and rebuild the file, so the
            // tenant's text is gone from disk, not only from queries.
            if (removed > 0) LocalSqlite.Compact(connection);
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
            var memory = search.Scope.KnowledgeBaseIds.Select(kb => MemoryOf(search.Scope.Tenant, kb)).ToList();
            IReadOnlyList<KnowledgeHit> hits;
            if (search.Mode == SearchMode.Keyword)
            {
                var keyword = Keyword(memory, search.Text, search.TopK);
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
                var keyword = Keyword(memory, search.Text, candidates);
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
        command.CommandText = "SELECT id, content, heading_path, vector FROM chunks WHERE tenant_id = $tenant AND kb_id = $kb ORDER BY id";
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$kb", kb);
        using var reader = command.ExecuteReader();
        var memory = new KnowledgeBaseMemory();
        while (reader.Read())
        {
            var headings = reader.GetString(2);
            var path = headings == "[]" ? null : string.Join(" > ", JsonSerializer.Deserialize<List<string>>(headings) ?? []);
            var counted = terms.Count(reader.GetString(1), path, out var length);
            memory.Add(new PreparedChunk(reader.GetInt64(0), counted, length, ToVector((byte[])reader[3])));
        }
        memory.Trim();
        return memory;
    }

    private List<(long Row, double Score)> Keyword(List<KnowledgeBaseMemory> memory, string text, int limit)
    {
        var query = terms.Query(text);
        if (query.Count == 0) return [];
        var found = memory.SelectMany(m => m.Keyword(query, limit)).ToList();
        return memory.Count == 1 ? found : [.. found.OrderByDescending(f => f.Score).ThenBy(f => f.Row).Take(limit)];
    }

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
        command.CommandText = $"DELETE FROM chunks WHERE {where} RETURNING id;";
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
