using System.Globalization;
using System.Threading.Channels;
using AgentFunctions.Common;
using AgentFunctions.Usage;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local.Usage;

/// <summary>
/// The local usage log: one SQLite file (WAL) beside the knowledge index, so the host's memory does not grow with the
/// events. Appends are group-committed: concurrent callers' events go into one transaction, and each caller returns
/// once its transaction is on disk. <c>INSERT OR IGNORE</c> on the unique (tenant, key) index makes appends idempotent.
/// Every statement filters on the tenant in its WHERE clause. Beside the events, a daily table keeps each day's sums
/// per meter, model, agent, user and tool, moved in the same transaction by the events that were new.
/// Commits run with synchronous = FULL (set on the writing connection): an append that returned survives a power cut,
/// not just a crash; the group commit pays one fsync per transaction.
/// </summary>
public sealed class SqliteUsageStore : IUsageStore, IDisposable
{
    private const int MaxEventsPerTransaction = 20_000;

    private readonly string connectionString;
    private readonly Channel<PendingAppend> pending = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task writerLoop;

    public SqliteUsageStore(string path)
    {
        connectionString = LocalSqlite.ConnectionString(path);
        using var connection = Open();
        LocalSqlite.Execute(connection, """
            PRAGMA journal_mode = WAL;
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
            CREATE INDEX IF NOT EXISTS usage_by_time ON usage_events (tenant_id, occurred_at);
            CREATE TABLE IF NOT EXISTS usage_daily (
                tenant_id TEXT NOT NULL,
                day INTEGER NOT NULL,
                meter TEXT NOT NULL,
                model TEXT NOT NULL,
                agent_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                tool TEXT NOT NULL,
                quantity INTEGER NOT NULL,
                events INTEGER NOT NULL,
                PRIMARY KEY (tenant_id, day, meter, model, agent_id, user_id, tool)) WITHOUT ROWID;
            """);
        // A log written before the daily sums existed: build them once.
        LocalSqlite.Execute(connection, """
            INSERT INTO usage_daily (tenant_id, day, meter, model, agent_id, user_id, tool, quantity, events)
            SELECT tenant_id, occurred_at / 86400000, meter, COALESCE(model, ''), COALESCE(agent_id, ''), COALESCE(user_id, ''), COALESCE(tool, ''), SUM(quantity), COUNT(*)
            FROM usage_events WHERE NOT EXISTS (SELECT 1 FROM usage_daily LIMIT 1)
            GROUP BY 1, 2, 3, 4, 5, 6, 7
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

    /// <summary>
    /// Whole UTC days of the range are summed from the daily table (kept in the same transaction as the events), the
    /// partial days at either end from the events themselves, so a sum over a month reads a few thousand rows, not
    /// every event, and a range cut at any instant (a plan change) is still exact.
    /// </summary>
    public Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default)
    {
        var sums = new Dictionary<UsageTotal, (long Quantity, long Events)>();
        using var connection = Open();
        foreach (var (rangeFrom, rangeTo, daily) in Split(from, to))
        {
            using var command = connection.CreateCommand();
            var columns = Columns(groupBy, daily);
            var select = string.Join(", ", columns.Select(c => c.Sql));
            command.CommandText = daily
                ? $"SELECT {select}, SUM(quantity), SUM(events) FROM usage_daily WHERE tenant_id = $tenant AND day >= $from AND day < $to GROUP BY {select}"
                : $"SELECT {select}, SUM(quantity), COUNT(*) FROM usage_events WHERE tenant_id = $tenant AND occurred_at >= $from AND occurred_at < $to GROUP BY {select}";
            command.Parameters.AddWithValue("$tenant", tenant.Value);
            command.Parameters.AddWithValue("$from", rangeFrom);
            command.Parameters.AddWithValue("$to", rangeTo);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = new UsageTotal(reader.GetString(0), 0, 0);
                for (var i = 1; i < columns.Count; i++)
                {
                    var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    var text = value as string is { Length: > 0 } t ? t : null;
                    key = columns[i].Dimension switch
                    {
                        UsageDimensions.Agent => key with { Agent = text },
                        UsageDimensions.Model => key with { Model = text },
                        UsageDimensions.Day => key with { Day = DateOnly.FromDayNumber(UnixEpochDay + (int)Convert.ToInt64(value, CultureInfo.InvariantCulture)) },
                        UsageDimensions.User => key with { User = text },
                        UsageDimensions.Tool => key with { Tool = text },
                        _ => key,
                    };
                }
                var (quantity, events) = sums.GetValueOrDefault(key);
                sums[key] = (quantity + reader.GetInt64(columns.Count), events + reader.GetInt64(columns.Count + 1));
            }
        }
        IReadOnlyList<UsageTotal> totals = sums
            .Select(s => s.Key with { Quantity = s.Value.Quantity, Events = s.Value.Events })
            .OrderBy(t => t.Meter, StringComparer.Ordinal).ThenBy(t => t.Agent, StringComparer.Ordinal).ThenBy(t => t.Model, StringComparer.Ordinal)
            .ThenBy(t => t.Day).ThenBy(t => t.User, StringComparer.Ordinal).ThenBy(t => t.Tool, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(totals);
    }

    public async Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        if (meters.Count == 0) return 0;
        var totals = await SumAsync(tenant, from, to, UsageDimensions.None, cancellationToken).ConfigureAwait(false);
        return totals.Where(t => meters.Contains(t.Meter)).Sum(t => t.Quantity);
    }

    public async IAsyncEnumerable<UsageEvent> ReadTenantAsync(TenantId tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        while (true)
        {
            var page = new List<UsageEvent>(ExportPage);
            using (var connection = Open())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT event_key, meter, quantity, occurred_at, model, tool, agent_id, user_id, key_id, run_id, root_run_id, correlation_id
                    FROM usage_events WHERE tenant_id = $tenant AND event_key > $after ORDER BY event_key LIMIT $limit
                    """;
                command.Parameters.AddWithValue("$tenant", tenant.Value);
                command.Parameters.AddWithValue("$after", after ?? string.Empty);
                command.Parameters.AddWithValue("$limit", ExportPage);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                    page.Add(new UsageEvent(tenant, reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), Text(4), Text(5), Text(6), Text(7), Text(8), Text(9), Text(10), Text(11)));
                }
            }
            foreach (var e in page) yield return e;
            if (page.Count < ExportPage) yield break;
            after = page[^1].Key;
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Deletes the tenant's events and daily sums in one transaction, then rewrites the file (VACUUM, the log truncated
    /// before and after) so no page on disk still holds them.
    /// </summary>
    public Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        long removed;
        using (var transaction = connection.BeginTransaction())
        {
            using var events = connection.CreateCommand();
            events.Transaction = transaction;
            events.CommandText = "DELETE FROM usage_events WHERE tenant_id = $tenant";
            events.Parameters.AddWithValue("$tenant", tenant.Value);
            removed = events.ExecuteNonQuery();
            using var daily = connection.CreateCommand();
            daily.Transaction = transaction;
            daily.CommandText = "DELETE FROM usage_daily WHERE tenant_id = $tenant";
            daily.Parameters.AddWithValue("$tenant", tenant.Value);
            daily.ExecuteNonQuery();
            transaction.Commit();
        }
        LocalSqlite.Compact(connection);
        return Task.FromResult(removed);
    }

    private const int ExportPage = 500;

    private static readonly int UnixEpochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private const long DayMs = 86_400_000;

    /// <summary>The range as event-time pieces (milliseconds) and whole-day pieces (day numbers).</summary>
    private static IEnumerable<(long From, long To, bool Daily)> Split(DateTimeOffset from, DateTimeOffset to)
    {
        var start = from.ToUnixTimeMilliseconds();
        var end = to.ToUnixTimeMilliseconds();
        if (end <= start) yield break;
        var firstWholeDay = (start + DayMs - 1) / DayMs;
        var lastWholeDay = end / DayMs;
        if (firstWholeDay >= lastWholeDay)
        {
            yield return (start, end, false);
            yield break;
        }
        if (start < firstWholeDay * DayMs) yield return (start, firstWholeDay * DayMs, false);
        yield return (firstWholeDay, lastWholeDay, true);
        if (lastWholeDay * DayMs < end) yield return (lastWholeDay * DayMs, end, false);
    }

    private static List<(UsageDimensions Dimension, string Sql)> Columns(UsageDimensions groupBy, bool daily)
    {
        var columns = new List<(UsageDimensions Dimension, string Sql)> { (UsageDimensions.None, "meter") };
        if (groupBy.HasFlag(UsageDimensions.Agent)) columns.Add((UsageDimensions.Agent, "agent_id"));
        if (groupBy.HasFlag(UsageDimensions.Model)) columns.Add((UsageDimensions.Model, "model"));
        if (groupBy.HasFlag(UsageDimensions.Day)) columns.Add((UsageDimensions.Day, daily ? "day" : "(occurred_at / 86400000)"));
        if (groupBy.HasFlag(UsageDimensions.User)) columns.Add((UsageDimensions.User, "user_id"));
        if (groupBy.HasFlag(UsageDimensions.Tool)) columns.Add((UsageDimensions.Tool, "tool"));
        return columns;
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
        // Per connection, and this one comes from the pool: set on the connection that commits, every time.
        LocalSqlite.Execute(connection, "PRAGMA synchronous = FULL;");
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
        var daily = new Dictionary<(string Tenant, long Day, string Meter, string Model, string Agent, string User, string Tool), (long Quantity, long Events)>();
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
                if (insert.ExecuteNonQuery() == 0) continue;
                added[b]++;
                var key = (e.Tenant.Value, e.OccurredAt.ToUnixTimeMilliseconds() / DayMs, e.Meter, e.Model ?? "", e.AgentId ?? "", e.UserId ?? "", e.Tool ?? "");
                var (quantity, events) = daily.GetValueOrDefault(key);
                daily[key] = (quantity + e.Quantity, events + 1);
            }
        }
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO usage_daily (tenant_id, day, meter, model, agent_id, user_id, tool, quantity, events)
            VALUES ($tenant, $day, $meter, $model, $agent, $user, $tool, $quantity, $events)
            ON CONFLICT DO UPDATE SET quantity = quantity + excluded.quantity, events = events + excluded.events
            """;
        var sums = new[] { "$tenant", "$day", "$meter", "$model", "$agent", "$user", "$tool", "$quantity", "$events" }.Select(name => upsert.Parameters.Add(name, SqliteType.Text)).ToArray();
        sums[1].SqliteType = SqliteType.Integer;
        sums[7].SqliteType = SqliteType.Integer;
        sums[8].SqliteType = SqliteType.Integer;
        upsert.Prepare();
        foreach (var (key, value) in daily)
        {
            sums[0].Value = key.Tenant;
            sums[1].Value = key.Day;
            sums[2].Value = key.Meter;
            sums[3].Value = key.Model;
            sums[4].Value = key.Agent;
            sums[5].Value = key.User;
            sums[6].Value = key.Tool;
            sums[7].Value = value.Quantity;
            sums[8].Value = value.Events;
            upsert.ExecuteNonQuery();
        }
        transaction.Commit();
        return added;
    }

    private SqliteConnection Open() => LocalSqlite.Open(connectionString);

    private sealed class PendingAppend(IReadOnlyList<UsageEvent> events)
    {
        public IReadOnlyList<UsageEvent> Events { get; } = events;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
