using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local search index: two SQLite files (WAL). The index file holds the chunk table (content, citation, vector as half
/// floats) and the catalog of keyword tables; the keywords file beside it holds, per tenant and knowledge base, an FTS5
/// table (porter stemming, ranked by bm25) with the chunks' words. Vector search runs on each knowledge base's
/// <see cref="KnowledgeBaseMemory"/> (quantized vectors, built from the table on the knowledge base's first search and kept
/// current by every write); the hits of both halves are read back from the chunk table with the tenant and knowledge-base
/// filter in the statement. A document's chunks are replaced by one transaction in each file, the chunk rows written
/// on a second thread while the keyword words are written (SQLite has one writer per file, and the words were half of a
/// write's time); both commit at once under one write lock with the in-memory update, so a search sees the old set or
/// the new one. Both files record the write's generation and the keyword tables it touched: a process that ends between
/// the two commits leaves the files one write apart, and the next open rebuilds those tables from the chunk table.
/// </summary>
public sealed partial class SqliteKnowledgeIndex : IKnowledgeIndex, IAsyncDisposable
{
    private readonly string connectionString;
    private readonly string keywordsPath;
    private readonly string keywordsConnectionString;
    private readonly string searchConnectionString;
    private readonly SemaphoreSlim writer = new(1, 1);

    // The number of the last write committed to both files (kept in each file's keyword_sync row); changed by writers only.
    private long generation;

    // Writers' connections do not checkpoint when they commit (a checkpoint copies the log into the file and syncs both,
    // which took about a third of a write's time): a write that ends runs a passive checkpoint of both files once this
    // long has passed since the last, while the next write goes on.
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);
    private long lastCheckpoint;
    private int checkpointing;
    private Task checkpoint = Task.CompletedTask;
    private volatile bool disposed;

    // A passive checkpoint that runs beside the writes never finds the whole log copied (the next write has added to it),
    // so the log never starts over while documents keep coming: it grew to about 8 bytes per byte ingested. Once a log is
    // past this size, the write that ends waits for the running checkpoint and copies the rest itself, before the next
    // write, which then starts the log from its beginning (and cuts the file back to this size).
    internal const long LogRestartBytes = 64L << 20;
    private readonly long logRestartBytes;
    private readonly string indexPath;

    // Searches read under the read lock; writers commit and update the in-memory state under the write lock, so a search
    // sees one committed state in SQLite and in memory alike.
    private readonly ReaderWriterLockSlim consistency = new(LockRecursionPolicy.NoRecursion);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Kb), Lazy<KnowledgeBaseMemory>> memories = new();

    /// <summary>
    /// The keyword index of one tenant's knowledge base (created on its first write, named by its row in
    /// <c>keyword_tables</c>): the chunk's words and its heading path, row id = the chunk's row. Contentless (the text is
    /// in <c>chunks</c>), deletable rows. One table per knowledge base keeps every query and bm25's statistics (row count,
    /// average length, document frequencies) inside the scope: with one shared table, a MATCH had to require a scope
    /// token whose doclist bm25 read whole on every query (about 30 ms of CPU at 100,000 chunks), and another tenant's
    /// documents moved this tenant's scores.
    /// </summary>
    private static string KeywordTableSql(long table) =>
        $"CREATE VIRTUAL TABLE IF NOT EXISTS {KeywordTable(table)} USING fts5 (content, headings, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2')";

    /// <summary>The FTS5 table's name: from its catalog row id, never from tenant or user text.</summary>
    internal static string KeywordTable(long table) => "keywords_" + table.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A query term that occurs in more than this share of its knowledge base's chunks is left out of the MATCH when rarer
    /// terms exist (a dynamic stop word): each such term makes FTS5 visit and bm25-score that many rows, for a low weight.
    /// </summary>
    internal const double CommonShare = 0.005;

    /// <summary>
    /// ... and in more than this many chunks: below it a term costs FTS5 little (under about 0.2 ms), and small knowledge
    /// bases keep the plain OR of their words.
    /// </summary>
    internal const int CommonFloor = 1000;

    /// <summary>When every query term is common, the conjunction of at most this many of the rarest is matched.</summary>
    internal const int CommonTermsKept = 2;

    /// <summary>
    /// The chunk counts of the words bm25 ranks by add up to at most this: bm25 reads each ranked word's whole doclist
    /// to count its chunks, about 0.3 microseconds of CPU per chunk (a word in 40% of 100,000 chunks: over 10 ms).
    /// </summary>
    internal const long Bm25ChunksRead = 5_000;

    /// <summary>
    /// At most this many chunks are bm25-scored for a query whose words are all common: each scored chunk costs FTS5
    /// about a microsecond of CPU, and such a query can match most of a knowledge base. Beyond it, the newest matching
    /// chunks (highest row ids) are ranked.
    /// </summary>
    internal const int ScoredChunksCap = 2000;

    // The keyword table of each (tenant, knowledge base) that has one; filled from keyword_tables on first use, changed
    // under the write lock after the commit that created or dropped a table.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Kb), long> keywordTables = new();

    // Per keyword table: its chunk count and how many chunks each query word's stem occurs in (counted up to what the
    // plan compares with), remembered until the next write to that table.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, KeywordStatistics> statistics = new();

    private sealed class KeywordStatistics(long chunks)
    {
        public long Chunks { get; } = chunks;

        public System.Collections.Concurrent.ConcurrentDictionary<string, long> Frequencies { get; } = new(StringComparer.OrdinalIgnoreCase);
    }

    private readonly long commonFloor;
    private readonly int scoredChunksCap;
    private readonly long bm25ChunksRead;

    public SqliteKnowledgeIndex(string path) : this(path, CommonFloor, ScoredChunksCap, Bm25ChunksRead)
    {
    }

    /// <summary>With other limits of the keyword query plan (tests: a small index that still has common terms).</summary>
    internal SqliteKnowledgeIndex(string path, long commonFloor, int scoredChunksCap = ScoredChunksCap, long bm25ChunksRead = Bm25ChunksRead,
        long logRestartBytes = LogRestartBytes)
    {
        this.logRestartBytes = logRestartBytes;
        this.commonFloor = commonFloor;
        this.scoredChunksCap = scoredChunksCap;
        this.bm25ChunksRead = bm25ChunksRead;
        connectionString = LocalSqlite.ConnectionString(path);
        indexPath = path;
        keywordsPath = KeywordsPath(path);
        keywordsConnectionString = LocalSqlite.ConnectionString(keywordsPath);
        // Searches have a pool of their own: their connections attach the keywords file, and a writer's transaction on a
        // connection with it attached would take the keywords file's write lock too, against the words' own writer.
        searchConnectionString = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
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
            DROP INDEX IF EXISTS chunks_hash;
            CREATE INDEX IF NOT EXISTS chunks_hash_prefix ON chunks (substr(content_hash, 1, 8));
            CREATE TABLE IF NOT EXISTS keyword_tables (
                id INTEGER PRIMARY KEY,
                tenant_id TEXT NOT NULL,
                kb_id TEXT NOT NULL,
                UNIQUE (tenant_id, kb_id));
            CREATE TABLE IF NOT EXISTS keyword_sync (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL, tables TEXT NOT NULL);
            INSERT OR IGNORE INTO keyword_sync (id, generation, tables) VALUES (1, 0, '');
            """);
        // Version 0: one FTS5 table (maybe without the scope column) and vectors as 4-byte floats. Version 1 (branch
        // knowledge-perf): no FTS5 table, vectors as half floats. Version 2: half floats and one FTS5 table with a scope
        // token. Version 3: half floats and an FTS5 table per tenant's knowledge base in this file. Version 4: the same
        // tables in the keywords file beside it. An older index gets its vectors rewritten as half floats (from version 0),
        // its shared FTS5 table or its per-knowledge-base tables dropped from this file and a catalog row for every
        // knowledge base with chunks, in one transaction; the keywords file is then built from the chunk table.
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        var from = (long)version.ExecuteScalar()!;
        if (from < 4)
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
                var old = new List<string>();
                upgrade.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = 'chunks_fts' OR (name GLOB 'keywords_[0-9]*' AND name NOT GLOB 'keywords_*_*'))";
                using (var reader = upgrade.ExecuteReader())
                {
                    while (reader.Read()) old.Add(reader.GetString(0));
                }
                foreach (var name in old)
                {
                    upgrade.CommandText = $"DROP TABLE {name}";
                    upgrade.ExecuteNonQuery();
                }
                upgrade.CommandText = "INSERT OR IGNORE INTO keyword_tables (tenant_id, kb_id) SELECT DISTINCT tenant_id, kb_id FROM chunks";
                upgrade.ExecuteNonQuery();
                LocalSqlite.Execute(connection, "PRAGMA user_version = 4");
                transaction.Commit();
                // The old keyword tables' pages (every tenant's words) are freed, not yet gone from the file.
                if (floats.Count > 0 || old.Count > 0) LocalSqlite.Compact(connection);
            }
        }
        using var keywords = OpenKeywords();
        LocalSqlite.Execute(keywords, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS keyword_sync (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL, tables TEXT NOT NULL);
            """);
        var (indexed, indexedTables) = Sync(connection) ?? (0, "");
        generation = indexed;
        var (written, writtenTables) = Sync(keywords) ?? (-1, "");
        // The two files commit at the same time, so the keywords file is in step with the index file, or one write apart
        // (the process ended between the two commits: the tables that write touched, which both files record, are
        // rebuilt from the chunk table), or unknown (new, deleted or from another index: every table is rebuilt).
        if (from >= 4 && written == indexed) return;
        var touched = from < 4 ? null : written == indexed + 1 ? writtenTables : written == indexed - 1 ? indexedTables : null;
        RebuildKeywordTables(connection, keywords, touched is null ? null : [.. touched.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse)]);
    }

    /// <summary>A file's keyword_sync row: the generation of its last write and the keyword tables that write touched.</summary>
    private static (long Generation, string Tables)? Sync(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT generation, tables FROM keyword_sync";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>The keywords file beside the index file: <c>index.db</c> has <c>index.keywords.db</c>.</summary>
    internal static string KeywordsPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + ".keywords" + Path.GetExtension(path));

    /// <summary>
    /// Rebuilds keyword tables from the chunk table, in one transaction of the keywords file that also records it in step:
    /// the tables listed (each dropped, and built again if its catalog row exists), or, when <paramref name="tables"/> is
    /// null, every table (those of the file dropped, one built per catalog row).
    /// </summary>
    private void RebuildKeywordTables(SqliteConnection connection, SqliteConnection keywords, IReadOnlyList<long>? tables)
    {
        using var transaction = keywords.BeginTransaction();
        using var command = keywords.CreateCommand();
        command.Transaction = transaction;
        var drop = tables?.ToList() ?? [];
        if (tables is null)
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'keywords_[0-9]*' AND name NOT GLOB 'keywords_*_*'";
            using var reader = command.ExecuteReader();
            while (reader.Read()) drop.Add(long.Parse(reader.GetString(0)["keywords_".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var table in drop)
        {
            command.CommandText = $"DROP TABLE IF EXISTS {KeywordTable(table)}";
            command.ExecuteNonQuery();
        }
        var catalog = new List<(long Table, string Tenant, string Kb)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT id, tenant_id, kb_id FROM keyword_tables";
            using var reader = read.ExecuteReader();
            while (reader.Read()) catalog.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }
        foreach (var (table, tenant, kb) in catalog.Where(c => tables is null || tables.Contains(c.Table)))
        {
            command.CommandText = KeywordTableSql(table);
            command.ExecuteNonQuery();
            using var rows = connection.CreateCommand();
            rows.CommandText = "SELECT id, content, heading_path FROM chunks WHERE tenant_id = $tenant AND kb_id = $kb";
            rows.Parameters.AddWithValue("$tenant", tenant);
            rows.Parameters.AddWithValue("$kb", kb);
            using var fill = keywords.CreateCommand();
            fill.Transaction = transaction;
            fill.CommandText = $"INSERT INTO {KeywordTable(table)} (rowid, content, headings) VALUES ($id, $content, $headings)";
            var p = new[] { "$id", "$content", "$headings" }.Select(n => fill.Parameters.Add(new SqliteParameter(n, null))).ToArray();
            using var reader = rows.ExecuteReader();
            while (reader.Read())
            {
                p[0].Value = reader.GetInt64(0);
                p[1].Value = reader.GetString(1);
                p[2].Value = HeadingText(reader.GetString(2));
                fill.ExecuteNonQuery();
            }
        }
        RecordWrite(keywords, transaction, Sync(connection)?.Generation ?? 0, []);
        transaction.Commit();
        statistics.Clear();
    }

    /// <summary>Records in a file's keyword_sync row (either file's) the generation it now holds and the keyword tables its last write touched.</summary>
    private static void RecordWrite(SqliteConnection connection, SqliteTransaction transaction, long generation, IEnumerable<long> tables)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO keyword_sync (id, generation, tables) VALUES (1, $generation, $tables) ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, tables = excluded.tables";
        command.Parameters.AddWithValue("$generation", generation);
        command.Parameters.AddWithValue("$tables", string.Join(',', tables));
        command.ExecuteNonQuery();
    }

    /// <summary>Adds the catalog row of a tenant's knowledge base (its FTS5 table is created in the keywords file by the same write); returns the table's id.</summary>
    private static long AddKeywordTable(SqliteConnection connection, SqliteTransaction transaction, string tenant, string kb)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO keyword_tables (tenant_id, kb_id) VALUES ($tenant, $kb) RETURNING id";
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$kb", kb);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The keyword table of a tenant's knowledge base, or null when nothing was ever written to it.</summary>
    private long? FindKeywordTable(SqliteConnection connection, SqliteTransaction? transaction, string tenant, string kb)
    {
        if (keywordTables.TryGetValue((tenant, kb), out var known)) return known;
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM keyword_tables WHERE tenant_id = $tenant AND kb_id = $kb";
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$kb", kb);
        return command.ExecuteScalar() is long table ? table : null;
    }

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
        var headingTexts = chunks.Select(c => c.Citation.HeadingPath.Count == 0 ? "" : string.Join(" > ", c.Citation.HeadingPath)).ToArray();
        await WriteAsync(async (connection, transaction, keywords, keywordTransaction, next) =>
        {
            var table = FindKeywordTable(connection, transaction, scope.Tenant.Value, kb) ?? AddKeywordTable(connection, transaction, scope.Tenant.Value, kb);
            var removed = RowsOfDocument(connection, transaction, scope.Tenant, kb, documentId);
            long first;
            using (var max = connection.CreateCommand())
            {
                max.Transaction = transaction;
                max.CommandText = "SELECT COALESCE(MAX(id), 0) + 1 FROM chunks";
                first = (long)max.ExecuteScalar()!;
            }
            // The words are written to the keywords file on this thread while another writes the chunk rows: the words take
            // longer, and the other thread waits about 2 ms for a core (the next document is being chunked meanwhile).
            void WriteWords()
            {
                using (var create = keywords.CreateCommand())
                {
                    create.Transaction = keywordTransaction;
                    create.CommandText = KeywordTableSql(table);
                    create.ExecuteNonQuery();
                }
                DeleteKeywordRows(keywords, keywordTransaction, table, removed);
                using var add = keywords.CreateCommand();
                add.Transaction = keywordTransaction;
                add.CommandText = $"INSERT INTO {KeywordTable(table)} (rowid, content, headings) VALUES ($id, $content, $headings)";
                var id = add.Parameters.Add(new SqliteParameter("$id", null));
                var content = add.Parameters.Add(new SqliteParameter("$content", null));
                var heading = add.Parameters.Add(new SqliteParameter("$headings", null));
                add.Prepare();
                for (var i = 0; i < chunks.Count; i++)
                {
                    id.Value = first + i;
                    content.Value = chunks[i].Content;
                    heading.Value = headingTexts[i];
                    add.ExecuteNonQuery();
                }
                // FTS5 writes its pending words (and merges segments) here, on this thread, rather than in the commit.
                add.Parameters.Clear();
                add.CommandText = $"INSERT INTO {KeywordTable(table)} ({KeywordTable(table)}) VALUES ('flush')";
                add.ExecuteNonQuery();
            }
            void WriteRows()
            {
                DeleteChunks(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, kb, documentId);
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO chunks (id, chunk_id, tenant_id, kb_id, document_id, document_name, ordinal, content, content_hash, heading_path, page, start_offset, end_offset, vector)
                    VALUES ($id, $chunk, $tenant, $kb, $document, $name, $ordinal, $content, $hash, $headings, $page, $start, $end, $vector)
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
                    p[9].Value = first + i;
                    p[10].Value = (object?)chunk.Citation.Page ?? DBNull.Value;
                    p[11].Value = chunk.Citation.Start;
                    p[12].Value = chunk.Citation.End;
                    p[13].Value = vectors[i];
                    insert.ExecuteNonQuery();
                }
            }
            await AlongsideAsync(Task.Run(WriteRows, CancellationToken.None), WriteWords).ConfigureAwait(false);
            return ([table], () =>
            {
                keywordTables[(scope.Tenant.Value, kb)] = table;
                statistics.TryRemove(table, out _);
                if (!memories.TryGetValue((scope.Tenant.Value, kb), out var lazy)) return;
                if (!lazy.IsValueCreated)
                {
                    memories.TryRemove((scope.Tenant.Value, kb), out _);
                    return;
                }
                var memory = lazy.Value;
                foreach (var row in removed) memory.Remove(row);
                for (var i = 0; i < chunks.Count; i++) memory.Add(new PreparedChunk(first + i, chunks[i].Vector));
            });
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on this thread while <paramref name="other"/> runs, and returns when both are done (so
    /// nothing is committed or disposed under the other's feet); a failure of the work is the one reported.
    /// </summary>
    private static async Task AlongsideAsync(Task other, Action work)
    {
        try
        {
            work();
        }
        catch
        {
            try
            {
                await other.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The work's own failure is rethrown below; this one followed from the same write.
            }
            throw;
        }
        await other.ConfigureAwait(false);
    }

    /// <summary>
    /// Commits both files at once (the keywords file on a pool thread, the index file on this one) and applies the change
    /// to the in-memory state, as one step for readers (under the write lock). When a commit fails, the tables the write
    /// touched are rebuilt from the chunk table at once (or, failing that too, on the next open, which finds the two files
    /// one write apart).
    /// </summary>
    private void Commit(SqliteConnection connection, SqliteTransaction transaction, SqliteConnection keywords, SqliteTransaction keywordTransaction, long next,
        IReadOnlyList<long> tables, Action applied)
    {
        consistency.EnterWriteLock();
        try
        {
            var keywordCommit = Task.Run(keywordTransaction.Commit);
            SqliteException? failure = null;
            try
            {
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                failure = ex;
            }
            try
            {
                keywordCommit.GetAwaiter().GetResult();
            }
            catch (SqliteException ex)
            {
                failure ??= ex;
            }
            if (failure is not null)
            {
                transaction.Dispose();
                keywordTransaction.Dispose();
                try
                {
                    RebuildKeywordTables(connection, keywords, tables);
                    generation = Sync(connection)?.Generation ?? generation;
                }
                catch (SqliteException)
                {
                    // Left to the next open, which finds the files a write apart.
                }
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
            generation = next;
            applied();
        }
        finally
        {
            consistency.ExitWriteLock();
        }
    }

    /// <summary>The whole knowledge bases or tenants deleted: their in-memory state and remembered keyword tables are forgotten.</summary>
    private Action Dropped(Func<(string Tenant, string Kb), bool> dropped, IReadOnlyList<long> droppedTables) => () =>
    {
        foreach (var key in memories.Keys.Where(dropped).ToList()) memories.TryRemove(key, out _);
        foreach (var key in keywordTables.Keys.Where(dropped).ToList()) keywordTables.TryRemove(key, out _);
        foreach (var table in droppedTables) statistics.TryRemove(table, out _);
    };

    public Task DeleteDocumentAsync(IndexScope scope, string documentId, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction, keywords, keywordTransaction, next) =>
        {
            var kb = SingleKnowledgeBase(scope);
            var table = FindKeywordTable(connection, transaction, scope.Tenant.Value, kb);
            var removed = RowsOfDocument(connection, transaction, scope.Tenant, kb, documentId);
            if (table is long t) DeleteKeywordRows(keywords, keywordTransaction, t, removed);
            DeleteChunks(connection, transaction, "tenant_id = $tenant AND kb_id = $kb AND document_id = $document", scope.Tenant, kb, documentId);
            return (table is long written ? [written] : [], () =>
            {
                if (table is long written) statistics.TryRemove(written, out _);
                if (!memories.TryGetValue((scope.Tenant.Value, kb), out var lazy)) return;
                if (!lazy.IsValueCreated)
                {
                    memories.TryRemove((scope.Tenant.Value, kb), out _);
                    return;
                }
                foreach (var row in removed) lazy.Value.Remove(row);
            });
        }, cancellationToken);

    public Task DeleteKnowledgeBasesAsync(IndexScope scope, CancellationToken cancellationToken = default) =>
        WriteAsync((connection, transaction, keywords, keywordTransaction, next) =>
        {
            var dropped = new List<long>();
            foreach (var kb in scope.KnowledgeBaseIds)
            {
                DeleteChunks(connection, transaction, "tenant_id = $tenant AND kb_id = $kb", scope.Tenant, kb, null);
                if (FindKeywordTable(connection, transaction, scope.Tenant.Value, kb) is long table) dropped.Add(table);
            }
            DropKeywordTables(connection, transaction, keywords, keywordTransaction, dropped);
            return (dropped, Dropped(key => key.Tenant == scope.Tenant.Value && scope.KnowledgeBaseIds.Contains(key.Kb), dropped));
        }, cancellationToken);

    /// <summary>Drops keyword tables (keywords file) with their catalog rows (a knowledge base or tenant deleted): their words leave the files with them.</summary>
    private static void DropKeywordTables(SqliteConnection connection, SqliteTransaction transaction, SqliteConnection keywords, SqliteTransaction keywordTransaction, IReadOnlyList<long> tables)
    {
        foreach (var table in tables)
        {
            using var drop = keywords.CreateCommand();
            drop.Transaction = keywordTransaction;
            drop.CommandText = $"DROP TABLE IF EXISTS {KeywordTable(table)}";
            drop.ExecuteNonQuery();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM keyword_tables WHERE id = $id";
            command.Parameters.AddWithValue("$id", table);
            command.ExecuteNonQuery();
        }
    }

    public async Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        var dropped = new List<long>();
        await WriteAsync((connection, transaction, keywords, keywordTransaction, next) =>
        {
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "SELECT id FROM keyword_tables WHERE tenant_id = $tenant";
                command.Parameters.AddWithValue("$tenant", tenant.Value);
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read()) dropped.Add(reader.GetInt64(0));
                }
                command.CommandText = "DELETE FROM chunks WHERE tenant_id = $tenant";
                removed = command.ExecuteNonQuery();
            }
            DropKeywordTables(connection, transaction, keywords, keywordTransaction, dropped);
            return (dropped, Dropped(key => key.Tenant == tenant.Value, dropped));
        }, cancellationToken, (connection, keywords) =>
        {
            // Deleted rows linger: SQLite keeps freed pages and the WAL. Fold the WAL back and rebuild both files, so the
            // tenant's text and words are gone from disk, not only from queries (its keyword tables were dropped whole).
            if (removed > 0 || dropped.Count > 0)
            {
                // A passive checkpoint started after the previous write would make the compaction's own checkpoints
                // busy (and leave old pages in a log): it ends first. No other starts while this write holds the writer.
                checkpoint.GetAwaiter().GetResult();
                LocalSqlite.Compact(connection);
                LocalSqlite.Compact(keywords);
            }
        }).ConfigureAwait(false);
        return removed;
    }

    public Task<IReadOnlyDictionary<string, float[]>> FindVectorsAsync(TenantId tenant, IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (contentHashes.Count == 0) return Task.FromResult<IReadOnlyDictionary<string, float[]>>(found);
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = FindVectorsSql;
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$hashes", JsonSerializer.Serialize(contentHashes.Distinct(StringComparer.Ordinal)));
        using var reader = command.ExecuteReader();
        while (reader.Read()) found[reader.GetString(0)] = ToVector((byte[])reader[1]);
        return Task.FromResult<IReadOnlyDictionary<string, float[]>>(found);
    }

    public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(search.TopK, 1);
        if (search.Mode != SearchMode.Keyword && search.Vector is null) throw new ArgumentException("Vector and hybrid searches need the query's vector.", nameof(search));
        using var connection = OpenSearch();
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
    /// The <paramref name="limit"/> best chunks of the scope by FTS5's bm25 (row id and positive score, best first): each
    /// knowledge base's own table is queried (the table is the tenant and knowledge-base filter) and the lists merged by
    /// score. The MATCH is shaped by how many chunks each word occurs in (see <see cref="PlanKeywordQuery"/>).
    /// </summary>
    private List<(long Row, double Score)> Keyword(SqliteConnection connection, IndexScope scope, string text, int limit)
    {
        var words = QueryWords(text);
        if (words.Count == 0) return [];
        var found = new List<(long Row, double Score)>(limit);
        foreach (var kb in scope.KnowledgeBaseIds)
        {
            if (FindKeywordTable(connection, null, scope.Tenant.Value, kb) is not long table) continue;
            // Safe to remember here: under the read lock, no commit can create or drop a table meanwhile.
            keywordTables.TryAdd((scope.Tenant.Value, kb), table);
            if (PlanKeywordQuery(connection, table, words, limit) is not { } plan) continue;
            using var command = connection.CreateCommand();
            command.CommandText = plan.Unranked
                ? $"SELECT rowid, 0.0 FROM {KeywordTable(table)} WHERE {KeywordTable(table)} MATCH $match AND rowid >= $from ORDER BY rowid DESC LIMIT $limit"
                : $"SELECT rowid, rank FROM {KeywordTable(table)} WHERE {KeywordTable(table)} MATCH $match AND rowid >= $from ORDER BY rank LIMIT $limit";
            command.Parameters.AddWithValue("$match", plan.Match);
            command.Parameters.AddWithValue("$from", plan.FromRow);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read()) found.Add((reader.GetInt64(0), Math.Max(0, -reader.GetDouble(1))));
        }
        return scope.KnowledgeBaseIds.Count == 1 ? found : [.. found.OrderByDescending(f => f.Score).ThenBy(f => f.Row).Take(limit)];
    }

    /// <summary>What a keyword query matches in one table, from which row id (the cap of scored chunks), and whether bm25 ranks it.</summary>
    private sealed record KeywordPlan(string Match, long FromRow, bool Unranked);

    private static string Quote(string term) => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Or(IEnumerable<string> words) => string.Join(" OR ", words.Select(Quote));

    /// <summary>The query's words (at most 64); English function words are left out when the query has other words.</summary>
    private static List<string> QueryWords(string text)
    {
        var words = Term().Matches(text).Select(m => m.Value).Distinct(StringComparer.OrdinalIgnoreCase).Take(64).ToList();
        var content = words.Where(w => !StopWords.Contains(w.ToLowerInvariant())).ToList();
        return content.Count > 0 ? content : words;
    }

    /// <summary>
    /// The MATCH for the query's words in one knowledge base's table (each word quoted, so user text never reaches FTS5's
    /// query syntax). Each word is counted in the table (how many chunks hold its stem, counted in row-id order up to one
    /// past the larger of the common threshold and the bm25 budget; remembered until the table's next write); words no
    /// chunk has are dropped. bm25 reads the whole doclist of every word it ranks by (to count its
    /// chunks), so a plan keeps the chunk counts of its ranked words within <see cref="Bm25ChunksRead"/>:
    /// <list type="bullet">
    /// <item>Words in at most <see cref="CommonShare"/> of the table's chunks (or <see cref="CommonFloor"/>) are rare: the
    /// rarest of them are ORed and bm25 ranks every chunk they match; common words are left out.</item>
    /// <item>When every word is common, the conjunction of the rarest <see cref="CommonTermsKept"/> that fit the budget is
    /// matched (fewer, more relevant chunks), or the rarest alone when the conjunction holds fewer than
    /// <paramref name="limit"/> chunks; when that matches more than <see cref="ScoredChunksCap"/> chunks, only the newest
    /// of them are scored.</item>
    /// <item>Words in at least half the chunks weigh nothing in bm25 (FTS5 clamps their IDF to 1e-6), and words past the
    /// budget cost more than the figure allows: when no word is left to rank by, the newest chunks holding the
    /// conjunction (or the rarest word) are returned unscored (<see cref="KeywordPlan.Unranked"/>).</item>
    /// </list>
    /// </summary>
    private KeywordPlan? PlanKeywordQuery(SqliteConnection connection, long table, List<string> words, int limit)
    {
        var stats = statistics.GetOrAdd(table, t => new KeywordStatistics(Chunks(connection, t)));
        var common = Math.Max(commonFloor, (long)(CommonShare * stats.Chunks));
        // Counting stops past what any rule below compares with: a word in more chunks is neither rare nor rankable.
        var countUpTo = Math.Max(common, bm25ChunksRead) + 1;
        var counted = new List<(string Word, long Chunks)>(words.Count);
        foreach (var word in words)
        {
            if (!stats.Frequencies.TryGetValue(word, out var chunks))
            {
                chunks = Matching(connection, table, Quote(word), countUpTo);
                if (stats.Frequencies.Count > 100_000) stats.Frequencies.Clear();
                stats.Frequencies[word] = chunks;
            }
            if (chunks > 0) counted.Add((word, chunks));
        }
        if (counted.Count == 0) return null;
        counted = [.. counted.OrderBy(c => c.Chunks)];
        var rare = WithinBudget(counted.Where(c => c.Chunks <= common), int.MaxValue);
        if (rare.Count > 0) return new KeywordPlan(Or(rare), 0, Unranked: false);
        var ranked = WithinBudget(counted.Where(c => c.Chunks * 2 < stats.Chunks), CommonTermsKept);
        var kept = ranked.Count > 0 ? ranked : [.. counted.Take(CommonTermsKept).Select(c => c.Word)];
        var match = Quote(kept[0]);
        if (kept.Count > 1)
        {
            var conjunction = string.Join(" AND ", kept.Select(Quote));
            if (NewestRow(connection, table, conjunction, limit) is not null) match = conjunction;
        }
        return ranked.Count > 0
            ? new KeywordPlan(match, NewestRow(connection, table, match, Math.Max(scoredChunksCap, limit)) ?? 0, Unranked: false)
            : new KeywordPlan(match, 0, Unranked: true);

        List<string> WithinBudget(IEnumerable<(string Word, long Chunks)> rarestFirst, int most)
        {
            var kept = new List<string>();
            var read = 0L;
            foreach (var (word, chunks) in rarestFirst)
            {
                if (kept.Count == most || (read += chunks) > bm25ChunksRead) break;
                kept.Add(word);
            }
            return kept;
        }
    }

    /// <summary>The row id of the <paramref name="nth"/> newest chunk matching, or null when fewer match (rowid order is FTS5's own, no scoring).</summary>
    private static long? NewestRow(SqliteConnection connection, long table, string match, int nth)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rowid FROM {KeywordTable(table)} WHERE {KeywordTable(table)} MATCH $match ORDER BY rowid DESC LIMIT 1 OFFSET $skip";
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$skip", nth - 1);
        return command.ExecuteScalar() is long row ? row : null;
    }

    /// <summary>How many chunks of the table match, up to <paramref name="atMost"/> (the table's tokenizer stems the query words as it stemmed the chunks; rowid order, no scoring).</summary>
    private static long Matching(SqliteConnection connection, long table, string match, long atMost)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM (SELECT rowid FROM {KeywordTable(table)} WHERE {KeywordTable(table)} MATCH $match LIMIT $most)";
        command.Parameters.AddWithValue("$match", match);
        command.Parameters.AddWithValue("$most", atMost);
        return (long)command.ExecuteScalar()!;
    }

    private static long Chunks(SqliteConnection connection, long table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {KeywordTable(table)}";
        return (long)command.ExecuteScalar()!;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial System.Text.RegularExpressions.Regex Term();

    internal static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
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

    /// <summary>The row ids of a document's chunks.</summary>
    private static List<long> RowsOfDocument(SqliteConnection connection, SqliteTransaction transaction, TenantId tenant, string kb, string documentId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM chunks WHERE tenant_id = $tenant AND kb_id = $kb AND document_id = $document";
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$kb", kb);
        command.Parameters.AddWithValue("$document", documentId);
        var rows = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add(reader.GetInt64(0));
        return rows;
    }

    private static void DeleteChunks(SqliteConnection connection, SqliteTransaction transaction, string where, TenantId tenant, string kb, string? documentId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM chunks WHERE {where}";
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$kb", kb);
        if (documentId is not null) command.Parameters.AddWithValue("$document", documentId);
        command.ExecuteNonQuery();
    }

    private static void DeleteKeywordRows(SqliteConnection keywords, SqliteTransaction keywordTransaction, long table, IReadOnlyList<long> rows)
    {
        if (rows.Count == 0) return;
        using var command = keywords.CreateCommand();
        command.Transaction = keywordTransaction;
        command.CommandText = $"DELETE FROM {KeywordTable(table)} WHERE rowid = $id";
        var id = command.Parameters.Add(new SqliteParameter("$id", null));
        command.Prepare();
        foreach (var row in rows)
        {
            id.Value = row;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// A write to both files (a delete): <paramref name="write"/> changes both and returns the keyword tables it touched and
    /// what to apply in memory; both transactions then commit as one step for readers (see <see cref="Commit"/>).
    /// </summary>
    private Task WriteAsync(Func<SqliteConnection, SqliteTransaction, SqliteConnection, SqliteTransaction, long, (IReadOnlyList<long> Tables, Action Applied)> write,
        CancellationToken cancellationToken, Action<SqliteConnection, SqliteConnection>? after = null) =>
        WriteAsync((connection, transaction, keywords, keywordTransaction, next) => Task.FromResult(write(connection, transaction, keywords, keywordTransaction, next)), cancellationToken, after);

    private async Task WriteAsync(Func<SqliteConnection, SqliteTransaction, SqliteConnection, SqliteTransaction, long, Task<(IReadOnlyList<long> Tables, Action Applied)>> write,
        CancellationToken cancellationToken, Action<SqliteConnection, SqliteConnection>? after = null)
    {
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = WithoutAutomaticCheckpoints(Open());
            using var keywords = WithoutAutomaticCheckpoints(OpenKeywords());
            using (var transaction = connection.BeginTransaction())
            using (var keywordTransaction = keywords.BeginTransaction())
            {
                var next = generation + 1;
                var (tables, applied) = await write(connection, transaction, keywords, keywordTransaction, next).ConfigureAwait(false);
                RecordWrite(keywords, keywordTransaction, next, tables);
                RecordWrite(connection, transaction, next, tables);
                Commit(connection, transaction, keywords, keywordTransaction, next, tables, applied);
            }
            after?.Invoke(connection, keywords);
            if (LogLength(indexPath) > logRestartBytes || LogLength(keywordsPath) > logRestartBytes)
            {
                await checkpoint.ConfigureAwait(false);
                try
                {
                    CheckpointBoth(connection, keywords);
                }
                catch (SqliteException)
                {
                    // The write is committed; the next one tries again.
                }
            }
        }
        finally
        {
            // Started before the writer is released, so the checkpoint task a write awaits is the one running.
            CheckpointIfDue();
            writer.Release();
        }
    }

    /// <summary>
    /// The reuse lookup (the hashes as one JSON array, <c>$hashes</c>): for each hash, rows found by
    /// <c>chunks_hash_prefix</c>, the index on a hash's first 8 characters, then the whole hash and the tenant compared in
    /// each row (<c>CROSS JOIN</c> keeps the hashes as the outer loop). Hashes are random, so every chunk's entry lands on
    /// a random page of that index and a document's write rewrites most of its pages: with the tenant and the whole hash
    /// in each entry the index was about four times larger, and a quarter of the index file's log writes. SQLite computes both sides' prefixes (its <c>substr</c> counts code points and stops at a NUL),
    /// and the <c>+</c> keeps the tenant's term from being used as an index: without statistics, the planner preferred
    /// <c>chunks_scope</c> on the tenant (every row of the tenant) to an IN list of two prefixes or more. One statement of
    /// fixed text for any number of hashes: the IN lists of up to 200 bound hashes it replaced took 0.26 - 0.28 s of
    /// ingestion's 96 documents of 330 chunks (about 8 us per hash), this one 0.06 - 0.10 s.
    /// </summary>
    internal const string FindVectorsSql = """
        SELECT c.content_hash, c.vector FROM json_each($hashes) AS h CROSS JOIN chunks AS c
        WHERE substr(c.content_hash, 1, 8) = substr(h.value, 1, 8) AND c.content_hash = h.value AND +c.tenant_id = $tenant
        GROUP BY c.content_hash
        """;

    private static string SingleKnowledgeBase(IndexScope scope) =>
        scope.KnowledgeBaseIds.Count == 1 ? scope.KnowledgeBaseIds[0] : throw new ArgumentException("A document belongs to one knowledge base.", nameof(scope));

    /// <summary>Waits for a checkpoint that is running and starts no other (the host stopping, or a test about to touch the files).</summary>
    public async ValueTask DisposeAsync()
    {
        disposed = true;
        // A write in flight ends first (with the checkpoint it may run itself), then the background one.
        await writer.WaitAsync().ConfigureAwait(false);
        try
        {
            await checkpoint.ConfigureAwait(false);
        }
        finally
        {
            writer.Release();
        }
    }

    private SqliteConnection Open() => LocalSqlite.Open(connectionString);

    private SqliteConnection OpenKeywords() => LocalSqlite.Open(keywordsConnectionString);

    private SqliteConnection WithoutAutomaticCheckpoints(SqliteConnection connection)
    {
        LocalSqlite.Execute(connection, $"PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {logRestartBytes}");
        return connection;
    }

    /// <summary>A passive checkpoint of the index file, then of the keywords file: copies what their logs hold into them without waiting for readers or writers.</summary>
    private static void CheckpointBoth(SqliteConnection connection, SqliteConnection keywords)
    {
        LocalSqlite.Execute(connection, "PRAGMA wal_checkpoint(PASSIVE)");
        LocalSqlite.Execute(keywords, "PRAGMA wal_checkpoint(PASSIVE)");
    }

    private static long LogLength(string path)
    {
        var log = new FileInfo(path + "-wal");
        return log.Exists ? log.Length : 0;
    }

    /// <summary>
    /// After a write: a passive checkpoint of both files (copies what the logs hold into the files without waiting for
    /// readers or writers) on a pool thread, so the writer's caller goes on with its next document, when none is running
    /// and <see cref="CheckpointInterval"/> has passed since the last.
    /// </summary>
    private void CheckpointIfDue()
    {
        if (disposed || System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref lastCheckpoint)) < CheckpointInterval) return;
        if (Interlocked.Exchange(ref checkpointing, 1) == 1) return;
        checkpoint = Task.Run(() =>
        {
            try
            {
                using (var connection = Open())
                using (var keywords = OpenKeywords())
                {
                    CheckpointBoth(connection, keywords);
                }
                Volatile.Write(ref lastCheckpoint, System.Diagnostics.Stopwatch.GetTimestamp());
            }
            catch (SqliteException)
            {
                // Nothing is lost: the logs hold every committed write, and the next write's checkpoint tries again.
            }
            finally
            {
                Volatile.Write(ref checkpointing, 0);
            }
        });
    }

    /// <summary>An index-file connection with the keywords file attached (as <c>keywords</c>), for searches: the keyword tables' names resolve there.</summary>
    private SqliteConnection OpenSearch()
    {
        var connection = LocalSqlite.Open(searchConnectionString);
        using var command = connection.CreateCommand();
        // A pooled connection keeps what it attached.
        command.CommandText = "SELECT count(*) FROM pragma_database_list WHERE name = 'keywords'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            command.CommandText = "ATTACH DATABASE $path AS keywords";
            command.Parameters.AddWithValue("$path", keywordsPath);
            command.ExecuteNonQuery();
        }
        return connection;
    }
}
