using AgentFunctions.Common;

namespace AgentFunctions.Usage;

/// <summary>
/// The usage port: an append-only, idempotent event log per tenant (SQLite locally, Cosmos DB with partition key
/// <c>/tenantId</c> in Azure) and the sums billing and budgets read from it. Every call names its tenant.
/// </summary>
public interface IUsageStore
{
    /// <summary>Appends the events, keeping the first per (tenant, key); returns how many were new. Durable when the task completes.</summary>
    Task<int> AppendAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sums over <c>[from, to)</c> of <paramref name="tenant"/>'s events, grouped by the meter and the dimensions of
    /// <paramref name="groupBy"/>, ordered by those columns.
    /// </summary>
    Task<IReadOnlyList<UsageTotal>> SumAsync(TenantId tenant, DateTimeOffset from, DateTimeOffset to, UsageDimensions groupBy, CancellationToken cancellationToken = default);

    /// <summary>The total of the given meters over <c>[from, to)</c> (a budget's "used so far").</summary>
    Task<long> TotalAsync(TenantId tenant, IReadOnlyCollection<string> meters, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Every event of the tenant, read page by page (a tenant export), in key order.</summary>
    IAsyncEnumerable<UsageEvent> ReadTenantAsync(TenantId tenant, CancellationToken cancellationToken = default);

    /// <summary>Removes every event and sum of the tenant (a tenant deletion); returns how many events it removed. Idempotent.</summary>
    Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default);
}

/// <summary>What usage can be grouped by besides the meter (always grouped: tokens and calls do not add up).</summary>
[Flags]
public enum UsageDimensions
{
    None = 0,
    Agent = 1,
    Model = 2,
    Day = 4,
    User = 8,
    Tool = 16,
}

/// <summary>One group's sum. A dimension not grouped by is null; <see cref="Day"/> is the UTC date.</summary>
public sealed record UsageTotal(string Meter, long Quantity, long Events, string? Agent = null, string? Model = null, DateOnly? Day = null, string? User = null, string? Tool = null);
