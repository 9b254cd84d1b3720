using System.Globalization;
using System.Text;
using System.Threading.Channels;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The document port on SQLite, for the records that only grow (trigger events and their dedupe keys): they stay on
/// disk and are read by index, so the local host's memory does not grow with them as it does with the file store, which
/// keeps every record in memory.
/// <list type="bullet">
/// <item>One table with a unique (tenant, kind, id) index (a rowid table: bodies of a kilobyte make poor
/// WITHOUT ROWID rows); every statement names the tenant, which comes from <see cref="For"/>.</item>
/// <item>Writes go through one writer connection. Commits that arrive together share one transaction (group commit),
/// each inside its own savepoint, so a refused batch rolls back alone and the others still commit.</item>
/// <item>WAL with <c>synchronous = FULL</c>: the log is fsynced at each transaction's commit, before any of its batches
/// is acknowledged, so an acknowledged batch survives a kill -9 and a power cut alike (the file store's promise). The
/// group commit is what keeps that affordable: one fsync covers every batch that arrived meanwhile.</item>
/// <item>Filters run in SQL on the fields named in <see cref="SqliteDocumentStoreOptions.IndexedFields"/> (each kept in
/// its own indexed column, filled by the writer), and every candidate is checked again with the file store's rule.</item>
/// </list>
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, AgentFunctions.Lifecycle.ICompactingStore, IDisposable
{
    private const int MaxBatchesPerTransaction = 256;

    private readonly string connectionString;
    private readonly HashSet<(string Kind, string Field)> indexed;
    private readonly string[] fieldOrder;
    private readonly Dictionary<string, bool[]> fieldsOfKind;
    private readonly Channel<PendingCommit> commits = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread writerThread;
    private readonly SqliteConnection writer;
    private readonly System.Collections.Concurrent.ConcurrentBag<PointReader> readers = [];
    private long etagCounter;
    private int disposed;

    public SqliteDocumentStore(string path, SqliteDocumentStoreOptions? options = null)
    {
        options ??= new SqliteDocumentStoreOptions();
        indexed = options.IndexedFields.SelectMany(k => k.Value.Select(f => (k.Key, f))).ToHashSet();
        foreach (var name in indexed.SelectMany(i => new[] { i.Kind, i.Field }))
        {
            if (!IsSnakeCase(name)) throw new ArgumentException($"'{name}' is not a snake_case kind or field name.", nameof(options));
        }
        fieldOrder = [.. indexed.Select(i => i.Field).Distinct().Order(StringComparer.Ordinal)];
        fieldsOfKind = indexed.GroupBy(i => i.Kind).ToDictionary(g => g.Key, g => fieldOrder.Select(f => g.Any(i => i.Field == f)).ToArray(), StringComparer.Ordinal);
        connectionString = LocalSqlite.ConnectionString(path);
        writer = Open();
        // 16 KB pages for a new database (one made before keeps its own size): each deferred fill of dedupe keys dirties
        // most of their index's leaves, and SQLite writes its log a page (two calls) at a time, so larger pages make
        // the same bytes in a quarter of the calls (writer 11.3 -> 9.9 us per event in the event-store benchmark,
        // alternating; 8, 32 and 64 KB did no better).
        LocalSqlite.Execute(writer, "PRAGMA page_size = 16384;");
        LocalSqlite.Execute(writer, $"PRAGMA synchronous = {(options.SynchronousFull ? "FULL" : "NORMAL")};");
        // The writer checks and maintains three indexes whose keys arrive in no order (dedupe keys are hashes): with
        // SQLite's 2 MB default page cache most inserts would read their index pages back from the file.
        LocalSqlite.Execute(writer, "PRAGMA cache_size = -65536;");
        // Those random inserts dirty most of the dedupe index's pages in every fill, so each checkpoint copies nearly all
        // of them back to the file: checkpointing once the log holds 64 MB (16,384 pages of 4 KB) rather than SQLite's
        // 1,000 pages copies each page once for several fills (writer thread 25.5 - 26.7 -> 20.8 - 22.2 us per delivery,
        // measured with scripts/load-webhooks-cpu.sh; a larger page cache made it slower, 29.7 - 34.4 us with 256 MB).
        // Unless limited, the log file keeps its largest size (a checkpoint held back by a long read can grow it): cut
        // back to 72 MB, just above one checkpoint's worth, when the log next starts over.
        using (var pageSize = writer.CreateCommand())
        {
            pageSize.CommandText = "PRAGMA page_size;";
            var bytes = Convert.ToInt64(pageSize.ExecuteScalar(), CultureInfo.InvariantCulture);
            LocalSqlite.Execute(writer, $"PRAGMA wal_autocheckpoint = {64L * 1024 * 1024 / bytes};");
        }
        LocalSqlite.Execute(writer, "PRAGMA journal_size_limit = 75497472;");
        LocalSqlite.Execute(writer, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS documents (
                tenant TEXT NOT NULL,
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                etag TEXT NOT NULL,
                body BLOB NOT NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS documents_key ON documents (tenant, kind, id);
            CREATE TABLE IF NOT EXISTS log_checkpoint (
                id INTEGER PRIMARY KEY CHECK (id = 0),
                sequence INTEGER NOT NULL,
                etag INTEGER NOT NULL);
            """);
        // Each indexed field is a column the writer fills from the body it parses anyway (SQLite's json_extract in an
        // index expression would parse every body once per index, which halved the write rate). A column added later
        // is filled once from the bodies already stored.
        var columns = new HashSet<string>(StringComparer.Ordinal);
        using (var info = writer.CreateCommand())
        {
            info.CommandText = "SELECT name FROM pragma_table_info('documents');";
            using var reader = info.ExecuteReader();
            while (reader.Read()) columns.Add(reader.GetString(0));
        }
        foreach (var field in fieldOrder)
        {
            if (!columns.Contains(Column(field)))
            {
                LocalSqlite.Execute(writer, $"ALTER TABLE documents ADD COLUMN {Column(field)} TEXT;");
                var kinds = string.Join(", ", indexed.Where(i => i.Field == field).Select(i => $"'{i.Kind}'"));
                LocalSqlite.Execute(writer, $"UPDATE documents SET {Column(field)} = json_extract(CAST(body AS TEXT), '$.{field}') WHERE kind IN ({kinds});");
            }
        }
        // One partial index per kind and field: rows of other kinds (dedupe keys, whose ids are hashes and arrive in no
        // order) stay out of them, which keeps each commit's page writes down (measured: 8,500 -> 13,600 events/s).
        foreach (var (kind, field) in indexed)
        {
            LocalSqlite.Execute(writer, $"CREATE INDEX IF NOT EXISTS documents_{kind}__{field} ON documents (tenant, {Column(field)}, id) WHERE kind = '{kind}';");
        }
        using (var command = writer.CreateCommand())
        {
            // ETags are hex counters; the next one continues after the highest ever issued (sorting by length, then text).
            command.CommandText = "SELECT etag FROM documents ORDER BY length(etag) DESC, etag DESC LIMIT 1;";
            if (command.ExecuteScalar() is string top) etagCounter = long.Parse(top, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "SqliteDocumentStore writer" };
        writerThread.Start();
    }

    public ITenantDocuments For(TenantId tenant) => new TenantDocuments(this, tenant);

    /// <summary>
    /// Where a log in front of this store (<see cref="AppendLogDocumentStore"/>) was filled up to: its last filled
    /// sequence and the highest ETag it issued (0, 0 when none was ever filled).
    /// </summary>
    internal (long Sequence, long ETag) ReadLogCheckpoint()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, etag FROM log_checkpoint WHERE id = 0;";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>The highest ETag this store issued itself (read at open, counted since).</summary>
    internal long IssuedETags => Interlocked.Read(ref etagCounter);

    /// <summary>Every record's key, for a log in front of this store to rebuild its set of known ids.</summary>
    internal IEnumerable<(string Tenant, string Kind, string Id)> ReadAllKeys()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT tenant, kind, id FROM documents;";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetString(0), reader.GetString(1), reader.GetString(2));
    }

    /// <summary>A point read by key, the same as <see cref="ITenantDocuments.ReadAsync"/> without the allocation of a view.</summary>
    internal StoredDocument? ReadDocument(TenantId tenant, string kind, string id) => Read(tenant, kind, id);

    /// <summary>
    /// Applies writes that a log made durable already, with the ETags the log issued, and records <paramref name="sequence"/>
    /// as filled, in one transaction: replaying the same writes again leaves the same state (puts carry their final body,
    /// deletes remove), so a crash between a log append and its fill neither loses nor duplicates a record.
    /// </summary>
    internal Task FillAsync(IReadOnlyList<FilledWrite> writes, long sequence, long highestETag)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) == 1, this);
        var values = writes.Select(w => w.Json is null ? null : FieldValues(w.Kind, w.Json)).ToArray();
        var pending = new PendingCommit(TenantId.Platform, [], values, new TaskCompletionSource<IReadOnlyList<string?>>(TaskCreationOptions.RunContinuationsAsynchronously),
            new LogFill(writes, sequence, highestETag));
        if (!commits.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(SqliteDocumentStore));
        return pending.Done.Task;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        commits.Writer.TryComplete();
        writerThread.Join();
        writer.Dispose();
        while (readers.TryTake(out var reader)) reader.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(connectionString));
    }

    /// <summary>
    /// Rewrites the file (VACUUM, the log truncated before and after) so deleted records are gone from disk too; after a
    /// tenant deletion. Writers wait meanwhile (SQLite's busy timeout), as they do during the file store's compaction.
    /// </summary>
    public Task CompactAsync(CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        LocalSqlite.Compact(connection);
        return Task.CompletedTask;
    }

    private static string Column(string field) => "f_" + field;

    private static bool IsSnakeCase(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>
    /// The indexed fields' values as the columns keep them: a string as itself, JSON null or a missing field as NULL,
    /// anything else as its raw JSON text. SQL filters with them as a first cut; every row is matched again in code.
    /// </summary>
    private string?[] FieldValues(string kind, ReadOnlySpan<byte> json)
    {
        var values = new string?[fieldOrder.Length];
        if (!fieldsOfKind.TryGetValue(kind, out var wanted)) return values;
        var reader = new System.Text.Json.Utf8JsonReader(json);
        reader.Read(); // the object (checked by DocumentRules.Validate)
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            var slot = -1;
            for (var i = 0; i < fieldOrder.Length; i++)
            {
                if (wanted[i] && reader.ValueTextEquals(fieldOrder[i])) { slot = i; break; }
            }
            reader.Read();
            if (slot >= 0)
            {
                values[slot] = reader.TokenType switch
                {
                    System.Text.Json.JsonTokenType.String => reader.GetString(),
                    System.Text.Json.JsonTokenType.Null => null,
                    System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray => RawAndSkip(ref reader, json),
                    _ => Encoding.UTF8.GetString(reader.ValueSpan),
                };
            }
            else
            {
                reader.Skip();
            }
        }
        return values;
    }

    private static string RawAndSkip(ref System.Text.Json.Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return Encoding.UTF8.GetString(json[start..((int)reader.BytesConsumed)]);
    }

    private SqliteConnection Open() => LocalSqlite.Open(connectionString);

    private StoredDocument? Read(TenantId tenant, string kind, string id)
    {
        // Point reads are the hot path (every dispatch and duplicate): each reader keeps its connection and prepared
        // statement, and goes back to the pool after use.
        if (!readers.TryTake(out var reader)) reader = new PointReader(Open());
        try
        {
            return reader.Read(tenant, kind, id);
        }
        finally
        {
            if (Volatile.Read(ref disposed) == 1) reader.Dispose();
            else readers.Add(reader);
        }
    }

    private sealed class PointReader(SqliteConnection connection) : IDisposable
    {
        private readonly SqliteCommand command = Prepare(connection);

        public StoredDocument? Read(TenantId tenant, string kind, string id)
        {
            command.Parameters["$tenant"].Value = tenant.Value;
            command.Parameters["$kind"].Value = kind;
            command.Parameters["$id"].Value = id;
            using var reader = command.ExecuteReader();
            return reader.Read() ? new StoredDocument(kind, id, (byte[])reader.GetValue(1), reader.GetString(0)) : null;
        }

        public void Dispose()
        {
            command.Dispose();
            connection.Dispose();
        }

        private static SqliteCommand Prepare(SqliteConnection connection)
        {
            var command = connection.CreateCommand();
            command.CommandText = "SELECT etag, body FROM documents WHERE tenant = $tenant AND kind = $kind AND id = $id;";
            command.Parameters.Add("$tenant", SqliteType.Text);
            command.Parameters.Add("$kind", SqliteType.Text);
            command.Parameters.Add("$id", SqliteType.Text);
            return command;
        }
    }

    /// <summary>
    /// Documents of a kind in id order after <paramref name="after"/>, filtered in SQL where it can be exact (indexed
    /// fields compared with a string or null) and always again by <see cref="DocumentRules.Matches"/>.
    /// </summary>
    private List<StoredDocument> Select(TenantId tenant, string kind, IReadOnlyList<FieldEquals> filter, string? after, bool descending, int? limit)
    {
        ArgumentNullException.ThrowIfNull(filter);
        using var connection = Open();
        using var command = connection.CreateCommand();
        // The kind is written into the SQL (an indexed kind is snake_case, checked at open) so SQLite can use the kind's
        // partial indexes; any other kind goes as a parameter.
        var sql = new StringBuilder(fieldsOfKind.ContainsKey(kind)
            ? $"SELECT id, etag, body FROM documents WHERE tenant = $tenant AND kind = '{kind}'"
            : "SELECT id, etag, body FROM documents WHERE tenant = $tenant AND kind = $kind");
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$kind", kind);
        var exact = true;
        for (var i = 0; i < filter.Count; i++)
        {
            var condition = filter[i];
            if (!indexed.Contains((kind, condition.Field)) || (condition.Value is { } v && LooksLikeJsonScalar(v)))
            {
                exact = false; // matched below only
                continue;
            }
            if (condition.Value is null)
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND {Column(condition.Field)} IS NULL");
            }
            else
            {
                sql.Append(CultureInfo.InvariantCulture, $" AND {Column(condition.Field)} = $f{i}");
                command.Parameters.AddWithValue($"$f{i}", condition.Value);
            }
        }
        if (after is not null)
        {
            sql.Append(descending ? " AND id < $after" : " AND id > $after");
            command.Parameters.AddWithValue("$after", after);
        }
        // SQLite compares TEXT with BINARY collation: byte order of UTF-8, the same order as string.CompareOrdinal for
        // the ASCII ids the platform makes.
        sql.Append(descending ? " ORDER BY id DESC" : " ORDER BY id");
        // When SQL is exact, a page needs only one more row than its limit; otherwise rows are read until enough match.
        if (limit is { } l && exact) sql.Append(CultureInfo.InvariantCulture, $" LIMIT {l + 1}");
        command.CommandText = sql.Append(';').ToString();
        var found = new List<StoredDocument>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var document = new StoredDocument(kind, reader.GetString(0), (byte[])reader.GetValue(2), reader.GetString(1));
            if (!DocumentRules.Matches(document.Json, filter)) continue;
            found.Add(document);
            if (limit is { } max && found.Count > max) break;
        }
        return found;
    }

    /// <summary>Every record of the tenant after (kind, id), in (kind, id) order.</summary>
    private List<StoredDocument> Scan(TenantId tenant, string? afterKind, string? afterId, int limit)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = afterKind is null
            ? "SELECT kind, id, etag, body FROM documents WHERE tenant = $tenant ORDER BY kind, id LIMIT $limit;"
            : "SELECT kind, id, etag, body FROM documents WHERE tenant = $tenant AND (kind > $kind OR (kind = $kind AND id > $id)) ORDER BY kind, id LIMIT $limit;";
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$limit", limit);
        if (afterKind is not null)
        {
            command.Parameters.AddWithValue("$kind", afterKind);
            command.Parameters.AddWithValue("$id", afterId);
        }
        var found = new List<StoredDocument>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) found.Add(new StoredDocument(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(3), reader.GetString(2)));
        return found;
    }

    // A JSON number, true, false or null compares by its raw text in the file store's rule, which SQL's json_extract
    // cannot reproduce (it turns them into numbers): such values are matched in code only.
    private static bool LooksLikeJsonScalar(string value) =>
        value is "true" or "false" or "null" || (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-'));

    private Task<IReadOnlyList<string?>> CommitAsync(TenantId tenant, IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken)
    {
        DocumentRules.Validate(writes);
        if (writes.Count == 0) return Task.FromResult<IReadOnlyList<string?>>([]);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) == 1, this);
        // A private copy of each body: the caller may reuse its buffer once the commit returns. The indexed fields are
        // read from it here, on the caller's thread: the writer thread is the one every commit waits for.
        var copies = writes.Select(w => w with { Json = w.Json.ToArray() }).ToList();
        var values = copies.Select(w => w.Mode == DocumentWriteMode.Delete ? null : FieldValues(w.Kind, w.Json.Span)).ToArray();
        var pending = new PendingCommit(tenant, copies, values, new TaskCompletionSource<IReadOnlyList<string?>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!commits.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(SqliteDocumentStore));
        // Once queued the batch is written whatever the caller's token says, as with the file store.
        return pending.Done.Task;
    }

    private void WriteLoop()
    {
        using var statements = new WriterStatements(writer, fieldOrder);
        var batch = new List<PendingCommit>();
        while (commits.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatchesPerTransaction && commits.Reader.TryRead(out var next)) batch.Add(next);
            if (batch.Count == 0) continue;
            var results = new (IReadOnlyList<string?>? ETags, Exception? Refusal)[batch.Count];
            var etagsBefore = etagCounter;
            try
            {
                using (var transaction = writer.BeginTransaction())
                {
                    statements.Transaction = transaction;
                    for (var i = 0; i < batch.Count; i++) results[i] = Apply(statements, batch[i]);
                    transaction.Commit();
                }
            }
            catch (Exception ex)
            {
                etagCounter = etagsBefore; // nothing issued in it was stored
                // The transaction did not commit: nothing of it is on disk, so every batch in it fails.
                foreach (var pending in batch) pending.Done.TrySetException(new IOException("The document store could not commit.", ex));
                continue;
            }
            // Acknowledged from a pool thread, not from here: each acknowledgement schedules its caller's continuation,
            // and the writer goes back to the next commit meanwhile.
            ThreadPool.UnsafeQueueUserWorkItem(static state =>
            {
                var (done, outcomes) = state;
                for (var i = 0; i < done.Length; i++)
                {
                    if (outcomes[i].Refusal is { } refusal) done[i].Done.TrySetException(refusal);
                    else done[i].Done.TrySetResult(outcomes[i].ETags!);
                }
            }, (batch.ToArray(), results), preferLocal: false);
        }
    }

    /// <summary>
    /// Checks every write of one batch against the state so far (this transaction included), then writes them all, or
    /// nothing when one is refused. A batch never names a record twice, so checking first is the same as checking each
    /// write just before it.
    /// </summary>
    private (IReadOnlyList<string?>? ETags, Exception? Refusal) Apply(WriterStatements statements, PendingCommit pending)
    {
        if (pending.Fill is { } fill)
        {
            for (var i = 0; i < fill.Writes.Count; i++)
            {
                var write = fill.Writes[i];
                var tenant = new TenantId(write.Tenant);
                if (write.Json is null) statements.Delete(tenant, write.Kind, write.Id);
                else statements.Upsert(tenant, write.Kind, write.Id, write.ETag!, write.Json, pending.FieldValues[i]!);
            }
            statements.Checkpoint(fill.Sequence, fill.HighestETag);
            return ([], null);
        }
        foreach (var write in pending.Writes)
        {
            var current = statements.CurrentETag(pending.Tenant, write.Kind, write.Id);
            if (DocumentRules.Refusal(write, current, current is not null) is { } refusal) return (null, refusal);
        }
        var etags = new string?[pending.Writes.Count];
        for (var i = 0; i < pending.Writes.Count; i++)
        {
            var write = pending.Writes[i];
            if (write.Mode == DocumentWriteMode.Delete)
            {
                statements.Delete(pending.Tenant, write.Kind, write.Id);
                continue;
            }
            etags[i] = (++etagCounter).ToString("x", CultureInfo.InvariantCulture);
            statements.Upsert(pending.Tenant, write.Kind, write.Id, etags[i]!, ArrayOf(write.Json), pending.FieldValues[i]!);
        }
        return (etags, null);
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> json) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(json, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : json.ToArray();

    /// <summary>The writer's statements, prepared once and bound again for each row.</summary>
    private sealed class WriterStatements : IDisposable
    {
        private readonly SqliteCommand select;
        private readonly SqliteCommand delete;
        private readonly SqliteCommand checkpoint;

        // The upsert, every fill's and commit's row, is bound and stepped on SQLite's own statement: through
        // SqliteCommand each row also paid for the command's statement walk, a reader and a type switch per parameter
        // (a third of this thread's time in a profile of the webhook load).
        private readonly sqlite3 db;
        private readonly sqlite3_stmt upsert;
        private readonly int upsertTenant, upsertKind, upsertId, upsertETag, upsertBody;
        private readonly int[] upsertValues;

        public WriterStatements(SqliteConnection connection, string[] fields)
        {
            var columns = string.Concat(fields.Select(f => ", " + Column(f)));
            var values = string.Concat(fields.Select((_, i) => $", $v{i}"));
            select = Prepare(connection, "SELECT etag FROM documents WHERE tenant = $tenant AND kind = $kind AND id = $id;");
            db = connection.Handle!;
            Check(raw.sqlite3_prepare_v2(db, $"INSERT OR REPLACE INTO documents (tenant, kind, id, etag, body{columns}) VALUES ($tenant, $kind, $id, $etag, $body{values});", out upsert));
            upsertTenant = raw.sqlite3_bind_parameter_index(upsert, "$tenant");
            upsertKind = raw.sqlite3_bind_parameter_index(upsert, "$kind");
            upsertId = raw.sqlite3_bind_parameter_index(upsert, "$id");
            upsertETag = raw.sqlite3_bind_parameter_index(upsert, "$etag");
            upsertBody = raw.sqlite3_bind_parameter_index(upsert, "$body");
            upsertValues = [.. fields.Select((_, i) => raw.sqlite3_bind_parameter_index(upsert, $"$v{i}"))];
            delete = Prepare(connection, "DELETE FROM documents WHERE tenant = $tenant AND kind = $kind AND id = $id;");
            checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "INSERT OR REPLACE INTO log_checkpoint (id, sequence, etag) VALUES (0, $sequence, $etag);";
            checkpoint.Parameters.Add("$sequence", SqliteType.Integer);
            checkpoint.Parameters.Add("$etag", SqliteType.Integer);
        }

        public void Checkpoint(long sequence, long etag)
        {
            checkpoint.Parameters["$sequence"].Value = sequence;
            checkpoint.Parameters["$etag"].Value = etag;
            checkpoint.ExecuteNonQuery();
        }

        public SqliteTransaction? Transaction
        {
            set => select.Transaction = delete.Transaction = checkpoint.Transaction = value;
        }

        public string? CurrentETag(TenantId tenant, string kind, string id) => Bind(select, tenant, kind, id).ExecuteScalar() as string;

        /// <summary>Within the writer's open transaction (SQLite's transactions belong to the connection, not to a command).</summary>
        public void Upsert(TenantId tenant, string kind, string id, string etag, byte[] body, string?[] values)
        {
            try
            {
                BindText(upsertTenant, tenant.Value);
                BindText(upsertKind, kind);
                BindText(upsertId, id);
                BindText(upsertETag, etag);
                Check(raw.sqlite3_bind_blob(upsert, upsertBody, body));
                for (var i = 0; i < upsertValues.Length; i++)
                {
                    if (values[i] is { } value) BindText(upsertValues[i], value);
                    else Check(raw.sqlite3_bind_null(upsert, upsertValues[i]));
                }
                var step = raw.sqlite3_step(upsert);
                if (step != raw.SQLITE_DONE) Check(step);
            }
            finally
            {
                raw.sqlite3_reset(upsert);
            }
        }

        /// <summary>UTF-8, as SqliteCommand binds a string (a lone surrogate becomes U+FFFD either way), encoded on the stack.</summary>
        private void BindText(int index, string value)
        {
            if (value.Length == 0)
            {
                // An empty span would bind NULL; the string overload binds ''.
                Check(raw.sqlite3_bind_text(upsert, index, string.Empty));
                return;
            }
            var size = Encoding.UTF8.GetMaxByteCount(value.Length);
            Span<byte> utf8 = size <= 1024 ? stackalloc byte[size] : new byte[size];
            Check(raw.sqlite3_bind_text(upsert, index, utf8[..Encoding.UTF8.GetBytes(value, utf8)]));
        }

        private void Check(int result)
        {
            if (result != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(result, db);
        }

        public void Delete(TenantId tenant, string kind, string id) => Bind(delete, tenant, kind, id).ExecuteNonQuery();

        public void Dispose()
        {
            select.Dispose();
            upsert.Dispose(); // finalizes the statement
            delete.Dispose();
            checkpoint.Dispose();
        }

        private static SqliteCommand Bind(SqliteCommand command, TenantId tenant, string kind, string id)
        {
            command.Parameters["$tenant"].Value = tenant.Value;
            command.Parameters["$kind"].Value = kind;
            command.Parameters["$id"].Value = id;
            return command;
        }

        /// <summary>A statement on one record's key (the select and the delete; the upsert is SQLite's own statement).</summary>
        private static SqliteCommand Prepare(SqliteConnection connection, string sql)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.Add("$tenant", SqliteType.Text);
            command.Parameters.Add("$kind", SqliteType.Text);
            command.Parameters.Add("$id", SqliteType.Text);
            return command;
        }
    }

    private sealed record PendingCommit(TenantId Tenant, IReadOnlyList<DocumentWrite> Writes, string?[]?[] FieldValues, TaskCompletionSource<IReadOnlyList<string?>> Done,
        LogFill? Fill = null);

    private sealed record LogFill(IReadOnlyList<FilledWrite> Writes, long Sequence, long HighestETag);

    private sealed class TenantDocuments(SqliteDocumentStore store, TenantId tenant) : ITenantDocuments
    {
        public TenantId Tenant { get; } = tenant;

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(store.Read(Tenant, kind, id));

        public Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<StoredDocument>>(store.Select(Tenant, kind, filter, after: null, descending: false, limit: null));

        public Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            var after = page.Continuation is null ? null : LocalContinuation.Decode(page.Continuation, page.Descending);
            var found = store.Select(Tenant, kind, filter, after, page.Descending, page.Limit);
            var more = found.Count > page.Limit;
            if (more) found.RemoveAt(found.Count - 1);
            return Task.FromResult(new DocumentPage(found, more ? LocalContinuation.Encode(found[^1].Id, page.Descending) : null));
        }

        public Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(page);
            page.Validate();
            if (page.Descending) throw new ArgumentException("A partition scan reads in ascending order only.", nameof(page));
            var (afterKind, afterId) = page.Continuation is null ? (null, null) : LocalContinuation.DecodeScan(page.Continuation);
            var found = store.Scan(Tenant, afterKind, afterId, page.Limit + 1);
            var more = found.Count > page.Limit;
            if (more) found.RemoveAt(found.Count - 1);
            return Task.FromResult(new DocumentPage(found, more ? LocalContinuation.EncodeScan(found[^1]) : null));
        }

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            try
            {
                return store.CommitAsync(Tenant, writes, cancellationToken);
            }
            catch (Exception ex)
            {
                // Refusals arrive through the task, as they do from the other adapters.
                return Task.FromException<IReadOnlyList<string?>>(ex);
            }
        }
    }
}

/// <summary>One write a log made durable, as it is filled into SQLite: a put (body and ETag) or, with a null body, a delete.</summary>
internal sealed record FilledWrite(string Tenant, string Kind, string Id, string? ETag, byte[]? Json);

/// <summary>Which top-level fields of which kinds get an index and are filtered in SQL (snake_case names).</summary>
public sealed record SqliteDocumentStoreOptions
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> IndexedFields { get; init; } = new Dictionary<string, IReadOnlyList<string>>
    {
        ["trigger_event"] = ["status", "trigger_id"],
    };

    /// <summary>FULL: each commit's log is fsynced before it is acknowledged (survives a power cut); NORMAL: survives the
    /// process being killed, not a power cut (SQLite's WAL default).</summary>
    public bool SynchronousFull { get; init; } = true;
}
