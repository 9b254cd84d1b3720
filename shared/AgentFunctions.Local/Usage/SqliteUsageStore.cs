using System.Globalization;
using System.Text;
using System.Threading.Channels;
using AgentFunctions.Common;
using AgentFunctions.Usage;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Usage;

/// <summary>
/// The local usage log: one SQLite file (WAL) beside the knowledge index, so the host's memory does not grow with the
/// events. Appends are group-committed: concurrent callers' events go into one transaction, and each caller returns
/// once its transaction is on disk. <c>INSERT OR IGNORE</c> on the unique (tenant, key) index makes appends idempotent.
/// Every statement filters on the tenant in its WHERE clause.
/// </summary>
public sealed class SqliteUsageStore : IUsageStore, IDisposable
{
    private const int MaxEventsPerTransaction = 20_000;

    private readonly string connectionString;
    private readonly Channel<PendingAppend> pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writerLoop;

    public SqliteUsageStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS usage_events (
                tenant_id TEXT NOT NULL,
                event_key TEXT NOT NULL,
                meter TEXT NOT NULL,
                quantity INTEGER NOT NULL,
                occurred_at INTEGER NOT NULL,
                model TEXT,
                tool TEXT,
                agent_id TEXT,
                user_id TEXT,
                key_id TEXT,
                run_id TEXT,
                root_run_id TEXT,
                correlation_id TEXT,
                PRIMARY KEY (tenant_id, event_key)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS usage_by_time ON usage_events (tenant_id, occurred_at, meter, quantity);
            """);
        writerLoop = Task.Run(WriteLoopAsync);
    }

    public async Task<int> AppendAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return 0;
        var append = new PendingAppend(events);
        if (!pending.Writer.TryWrite(append)) throw new ObjectDisposedException(nameof(SqliteUsageStore));
        return await append.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default)
    {
        var columns = new List<(UsageDimensions Dimension, string Sql)> { (UsageDimensions.None, "meter") };
        if (groupBy.HasFlag(UsageDimensions.Agent)) columns.Add((UsageDimensions.Agent, "agent_id"));
        if (groupBy.HasFlag(UsageDimensions.Model)) columns.Add((UsageDimensions.Model, "model"));
        if (groupBy.HasFlag(UsageDimensions.Day)) columns.Add((UsageDimensions.Day, "(occurred_at / 86400000)"));
        if (groupBy.HasFlag(UsageDimensions.User)) columns.Add((UsageDimensions.User, "user_id"));
        if (groupBy.HasFlag(UsageDimensions.Tool)) columns.Add((UsageDimensions.Tool, "tool"));
        var select = string.Join(", ", columns.Select(c => c.Sql));
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {select}, SUM(quantity), COUNT(*) FROM usage_events
            WHERE tenant_id = $tenant AND occurred_at >= $from AND occurred_at < $to
            GROUP BY {select} ORDER BY {select}
            """;
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        var totals = new List<UsageTotal>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var total = new UsageTotal(reader.GetString(0), reader.GetInt64(columns.Count), reader.GetInt64(columns.Count + 1));
            for (var i = 1; i < columns.Count; i++)
            {
                var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                total = columns[i].Dimension switch
                {
                    UsageDimensions.Agent => total with { Agent = value as string },
                    UsageDimensions.Model => total with { Model = value as string },
                    UsageDimensions.Day => total with { Day = DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)Convert.ToInt64(value, CultureInfo.InvariantCulture)) },
                    UsageDimensions.User => total with { User = value as string },
                    UsageDimensions.Tool => total with { Tool = value as string },
                    _ => total,
                };
            }
            totals.Add(total);
        }
        return Task.FromResult<IReadOnlyList<UsageTotal>>(totals);
    }

    public Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (meters.Count == 0) return Task.FromResult(0L);
        using var connection = Open();
        using var command = connection.CreateCommand();
        var names = new StringBuilder();
        var i = 0;
        foreach (var meter in meters)
        {
            if (i > 0) names.Append(", ");
            names.Append("$m").Append(i);
            command.Parameters.AddWithValue("$m" + i.ToString(CultureInfo.InvariantCulture), meter);
            i++;
        }
        command.CommandText = $"""
            SELECT COALESCE(SUM(quantity), 0) FROM usage_events
            WHERE tenant_id = $tenant AND occurred_at >= $from AND occurred_at < $to AND meter IN ({names})
            """;
        command.Parameters.AddWithValue("$tenant", tenant.Value);
        command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        pending.Writer.TryComplete();
        writerLoop.GetAwaiter().GetResult();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>();
        while (await pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var count = 0;
            while (count < MaxEventsPerTransaction && pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
                count += next.Events.Count;
            }
            try
            {
                var added = Write(batch);
                for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(added[i]);
            }
            catch (Exception ex)
            {
                foreach (var append in batch) append.Done.TrySetException(ex);
            }
        }
    }

    private int[] Write(List<PendingAppend> batch)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT OR IGNORE INTO usage_events (tenant_id, event_key, meter, quantity, occurred_at, model, tool, agent_id, user_id, key_id, run_id, root_run_id, correlation_id)
            VALUES ($tenant, $key, $meter, $quantity, $at, $model, $tool, $agent, $user, $keyId, $run, $root, $correlation)
            """;
        var parameters = new[] { "$tenant", "$key", "$meter", "$quantity", "$at", "$model", "$tool", "$agent", "$user", "$keyId", "$run", "$root", "$correlation" }
            .Select(name => insert.Parameters.Add(name, SqliteType.Text)).ToArray();
        parameters[3].SqliteType = SqliteType.Integer;
        parameters[4].SqliteType = SqliteType.Integer;
        insert.Prepare();
        var added = new int[batch.Count];
        for (var b = 0; b < batch.Count; b++)
        {
            foreach (var e in batch[b].Events)
            {
                parameters[0].Value = e.Tenant.Value;
                parameters[1].Value = e.Key;
                parameters[2].Value = e.Meter;
                parameters[3].Value = e.Quantity;
                parameters[4].Value = e.OccurredAt.ToUnixTimeMilliseconds();
                parameters[5].Value = (object?)e.Model ?? DBNull.Value;
                parameters[6].Value = (object?)e.Tool ?? DBNull.Value;
                parameters[7].Value = (object?)e.AgentId ?? DBNull.Value;
                parameters[8].Value = (object?)e.UserId ?? DBNull.Value;
                parameters[9].Value = (object?)e.KeyId ?? DBNull.Value;
                parameters[10].Value = (object?)e.RunId ?? DBNull.Value;
                parameters[11].Value = (object?)e.RootRunId ?? DBNull.Value;
                parameters[12].Value = (object?)e.CorrelationId ?? DBNull.Value;
                added[b] += insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return added;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed class PendingAppend(IReadOnlyList<UsageEvent> events)
    {
        public IReadOnlyList<UsageEvent> Events { get; } = events;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
