using System.Collections.Concurrent;
using AgentFunctions.Engine.Orchestration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// Where the local runner keeps a finished instance once it leaves memory: one SQLite row (status, output or failure,
/// last custom status, parent), kept until a purge, as Durable keeps a completed instance. So status reads, waits and
/// the start dedupe (same trigger event, same instance id, one run) answer for every instance the runner ever ran,
/// while its memory holds only the unfinished ones.
/// <para>
/// A finished instance waits in memory until a background writer commits it with others in one transaction (no fsync:
/// its journal records are durable and stay until a compaction, which first makes every row durable, see
/// <see cref="FlushDurable"/>). After a crash the journal's finished instances are written here again on load.
/// </para>
/// </summary>
internal sealed class FinishedInstanceStore : IDisposable
{
    public const string FileName = "finished.db";

    /// <summary>How long the writer lets finished instances gather before it commits them in one transaction.</summary>
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(20);

    private readonly ConcurrentDictionary<string, OrchestrationInstance> pending = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly Lock readGate;
    private readonly SemaphoreSlim wake = new(0, 1);
    private readonly SqliteConnection connection;
    private readonly SqliteConnection reader;
    private readonly SqliteCommand insert;
    private readonly SqliteCommand select;
    private readonly Thread writer;
    private readonly ILogger logger;
    private int signalled;
    private volatile bool disposed;

    /// <param name="path">The database file, or <c>:memory:</c> for a store that ends with the process.</param>
    public FinishedInstanceStore(string path, ILogger? logger = null)
    {
        this.logger = logger ?? NullLogger.Instance;
        // A writer and a reader connection for the store's life, not pooled (closing them closes the file): with the
        // write-ahead log a lookup (every start's dedupe check) does not wait for the writer's batch. In memory, one.
        var inMemory = path == ":memory:";
        if (!inMemory) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString();
        connection = new SqliteConnection(connectionString);
        connection.Open();
        // NORMAL: a commit is not fsynced, a checkpoint is (the journal covers rows not yet checkpointed). secure_delete:
        // a purged row's bytes are overwritten, not left in free pages (tenant deletion leaves nothing on disk).
        LocalSqlite.Execute(connection, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA secure_delete = ON;
            CREATE TABLE IF NOT EXISTS finished (
                id TEXT NOT NULL PRIMARY KEY,
                name TEXT NOT NULL,
                parent_id TEXT,
                status TEXT NOT NULL,
                output TEXT,
                failure TEXT,
                custom_status TEXT,
                version INTEGER NOT NULL,
                started INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS finished_parent ON finished (parent_id) WHERE parent_id IS NOT NULL;
            """);
        insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT OR REPLACE INTO finished (id, name, parent_id, status, output, failure, custom_status, version, started)
            VALUES ($id, $name, $parent, $status, $output, $failure, $custom, $version, $started);
            """;
        foreach (var name in new[] { "$id", "$name", "$parent", "$status", "$output", "$failure", "$custom", "$version", "$started" })
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        if (inMemory)
        {
            reader = connection;
            readGate = gate;
        }
        else
        {
            reader = new SqliteConnection(connectionString);
            reader.Open();
            readGate = new Lock();
        }
        select = reader.CreateCommand();
        select.CommandText = "SELECT name, parent_id, status, output, failure, custom_status, version, started FROM finished WHERE id = $id;";
        select.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        writer = new Thread(WriteLoop) { IsBackground = true, Name = "Local runner finished-instance writer" };
        writer.Start();
    }

    /// <summary>How many finished instances are still in memory, waiting for the writer.</summary>
    public int PendingCount => pending.Count;

    /// <summary>Takes a finished instance (its history already released); the writer stores it shortly.</summary>
    public void Add(OrchestrationInstance instance)
    {
        // After disposal (a run finishing while the host stops) the journal alone keeps it, as after a crash.
        if (disposed) return;
        pending[instance.Id] = instance;
        if (Interlocked.Exchange(ref signalled, 1) == 0) Wake();
    }

    public bool IsPending(string instanceId) => pending.ContainsKey(instanceId);

    /// <summary>The finished instance, as a terminal instance whose completion has happened; null when unknown or purged.</summary>
    public OrchestrationInstance? Find(string instanceId)
    {
        // Pending first, then the table: the writer removes an instance from pending only after its row is committed.
        if (pending.TryGetValue(instanceId, out var waiting)) return waiting;
        lock (readGate)
        {
            if (disposed) return null;
            select.Parameters[0].Value = instanceId;
            using var row = select.ExecuteReader();
            if (!row.Read()) return null;
            return OrchestrationInstance.Finished(
                instanceId,
                row.GetString(0),
                row.IsDBNull(1) ? null : row.GetString(1),
                Enum.Parse<OrchestrationRuntimeStatus>(row.GetString(2)),
                row.IsDBNull(3) ? null : row.GetString(3),
                row.IsDBNull(4) ? null : row.GetString(4),
                row.IsDBNull(5) ? null : row.GetString(5),
                row.GetInt64(6),
                new DateTimeOffset(row.GetInt64(7), TimeSpan.Zero));
        }
    }

    /// <summary>The ids of the finished sub-orchestrations of <paramref name="parentId"/>.</summary>
    public IReadOnlyList<string> ChildrenOf(string parentId)
    {
        var children = pending.Values.Where(i => i.ParentId == parentId).Select(i => i.Id).ToList();
        lock (readGate)
        {
            if (disposed) return children;
            using var command = reader.CreateCommand();
            command.CommandText = "SELECT id FROM finished WHERE parent_id = $parent;";
            command.Parameters.AddWithValue("$parent", parentId);
            using var rows = command.ExecuteReader();
            while (rows.Read()) children.Add(rows.GetString(0));
        }
        return [.. children.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Stores finished instances at once (the ones a journal held at load) and makes them durable.</summary>
    public void Store(IReadOnlyCollection<OrchestrationInstance> instances)
    {
        lock (gate)
        {
            Write(instances);
            Checkpoint();
        }
    }

    /// <summary>Commits every pending instance and makes the table durable: before a compaction drops their journal records.</summary>
    public void FlushDurable()
    {
        lock (gate)
        {
            WritePending();
            Checkpoint();
        }
    }

    /// <summary>Forgets the instances (purge), durably: a purged instance does not come back after a crash.</summary>
    public void Remove(IReadOnlyCollection<string> instanceIds)
    {
        lock (gate)
        {
            foreach (var id in instanceIds) pending.TryRemove(id, out _);
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM finished WHERE id = $id;";
            var id0 = command.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
            foreach (var id in instanceIds)
            {
                id0.Value = id;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            // Into the database file, and the write-ahead log (which still holds the rows as inserted) emptied.
            Checkpoint(truncate: true);
        }
    }

    /// <summary>Stops the writer without writing what is pending (as a crash would; the journal still holds it).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Wake();
        writer.Join();
        lock (gate)
        {
            lock (readGate)
            {
                insert.Dispose();
                select.Dispose();
                if (!ReferenceEquals(reader, connection)) reader.Dispose();
                connection.Dispose();
            }
        }
    }

    private void Wake()
    {
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // The writer is already woken.
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            wake.Wait();
            if (disposed) return;
            // Let a batch gather: one transaction for every run that finished meanwhile.
            Thread.Sleep(BatchWindow);
            Volatile.Write(ref signalled, 0);
            lock (gate)
            {
                if (disposed) return;
                try
                {
                    WritePending();
                }
                catch (SqliteException ex)
                {
                    // They stay pending (and in the journal, which is not compacted past them): the next batch tries again.
                    logger.LogError(ex, "Could not store {Count} finished orchestrations", pending.Count);
                }
            }
        }
    }

    private void WritePending()
    {
        var batch = pending.ToArray();
        if (batch.Length == 0) return;
        Write(batch.Select(p => p.Value).ToArray());
        foreach (var item in batch) pending.TryRemove(item);
    }

    private void Write(IReadOnlyCollection<OrchestrationInstance> instances)
    {
        if (instances.Count == 0) return;
        using var transaction = connection.BeginTransaction();
        insert.Transaction = transaction;
        foreach (var instance in instances)
        {
            var state = instance.State();
            var p = insert.Parameters;
            p[0].Value = instance.Id;
            p[1].Value = instance.Name;
            p[2].Value = (object?)instance.ParentId ?? DBNull.Value;
            p[3].Value = state.Status.ToString();
            p[4].Value = (object?)state.SerializedOutput ?? DBNull.Value;
            p[5].Value = (object?)state.FailureMessage ?? DBNull.Value;
            p[6].Value = (object?)state.SerializedCustomStatus ?? DBNull.Value;
            p[7].Value = state.Version;
            p[8].Value = instance.StartedAt.UtcTicks;
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
        insert.Transaction = null;
    }

    private void Checkpoint(bool truncate = false)
    {
        if (connection.DataSource is ":memory:" or "") return;
        LocalSqlite.Execute(connection, truncate ? "PRAGMA wal_checkpoint(TRUNCATE);" : "PRAGMA wal_checkpoint(FULL);");
    }
}
