using System.Collections.Concurrent;
using AgentFunctions.Common;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Usage;

/// <summary>
/// Where every feature reports usage: appends to the usage port and keeps this instance's month-to-date token tally
/// current, so the budget check that follows sees what was just counted without a read.
/// </summary>
public sealed class UsageRecorder(IUsageStore store, UsageTally tally, ILogger<UsageRecorder> logger)
{
    public async Task RecordAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        var meaningful = events.Where(e => e.Quantity > 0).ToList();
        if (meaningful.Count == 0) return;
        var added = await store.AppendAsync(meaningful, cancellationToken).ConfigureAwait(false);
        if (added > 0)
        {
            // Only new events move the tally; when a batch was partly a replay the tally is reloaded instead.
            if (added == meaningful.Count) tally.Add(meaningful);
            else tally.Forget(meaningful.Select(e => e.Tenant));
        }
        logger.LogDebug("Usage: {Added} of {Count} events new", added, meaningful.Count);
    }

    public Task RecordAsync(UsageEvent e, CancellationToken cancellationToken = default) => RecordAsync([e], cancellationToken);
}

/// <summary>
/// Month-to-date budget tokens per tenant, read from the store once and then moved by this instance's own appends. A
/// cached total is trusted for <see cref="RefreshAfter"/>: other instances' usage is seen within that time.
/// </summary>
public sealed class UsageTally(IUsageStore store, TimeProvider time)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<(TenantId Tenant, DateOnly Month), Entry> entries = new();

    public static (DateTimeOffset From, DateTimeOffset To) MonthOf(DateTimeOffset at)
    {
        var from = new DateTimeOffset(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return (from, from.AddMonths(1));
    }

    public async Task<long> TokensThisMonthAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (from, to) = MonthOf(now);
        var key = (tenant, DateOnly.FromDateTime(from.UtcDateTime));
        if (entries.TryGetValue(key, out var entry) && now - entry.LoadedAt < RefreshAfter) return Interlocked.Read(ref entry.Tokens);
        var total = await store.TotalAsync(tenant, UsageMeters.BudgetTokens, from, to, cancellationToken).ConfigureAwait(false);
        entries[key] = new Entry { Tokens = total, LoadedAt = now };
        return total;
    }

    internal void Add(IEnumerable<UsageEvent> events)
    {
        foreach (var e in events)
        {
            if (!UsageMeters.BudgetTokens.Contains(e.Meter)) continue;
            var (from, _) = MonthOf(e.OccurredAt);
            if (entries.TryGetValue((e.Tenant, DateOnly.FromDateTime(from.UtcDateTime)), out var entry)) Interlocked.Add(ref entry.Tokens, e.Quantity);
        }
    }

    internal void Forget(IEnumerable<TenantId> tenants)
    {
        foreach (var tenant in tenants.Distinct())
        {
            foreach (var key in entries.Keys.Where(k => k.Tenant == tenant).ToList()) entries.TryRemove(key, out _);
        }
    }

    private sealed class Entry
    {
        public long Tokens;

        public DateTimeOffset LoadedAt { get; init; }
    }
}
