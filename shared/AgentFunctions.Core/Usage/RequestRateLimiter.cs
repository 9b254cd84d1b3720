using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// Requests per minute per key and per tenant, as the tenant's plan says, held across scaled-out instances.
/// <para>
/// Two gates. First, per instance, a <see cref="FixedWindowRateLimiter"/> (System.Threading.RateLimiting) per rate with
/// the plan's limit: no instance alone passes it, and its lease's Retry-After is what a refusal reports. Second, across
/// instances, fixed one-minute windows aligned to the clock, counted in a shared document (<see cref="RateWindow"/>,
/// in the tenant's partition, updated with ETag concurrency: Cosmos in Azure, the local store on a laptop). Instances
/// claim permits from the shared count in blocks of <c>max(1, limit / 50)</c>, so it is read and written once per
/// block, not per request: at a 600/min limit one point read and one replace per 12 requests (about 1 RU + 10 RU in
/// Cosmos, ~0.9 RU per request). Once the shared count is full an instance remembers it until the window ends and
/// answers 429 without touching the store. All instances together never admit more than the limit in a window; a
/// permit claimed but not used is lost with its window, so together they may admit up to <c>instances × block</c> fewer.
/// </para>
/// </summary>
public sealed class RequestRateLimiter(PlanService plans, IDocumentStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Share> shares = new(StringComparer.Ordinal);

    private readonly PartitionedRateLimiter<(string Name, int Limit)> local = PartitionedRateLimiter.Create<(string Name, int Limit), (string Name, int Limit)>(
        rate => RateLimitPartition.GetFixedWindowLimiter(rate, r => new FixedWindowRateLimiterOptions
        {
            PermitLimit = r.Limit,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Past this many rates with a share, shares of windows that ended are dropped.</summary>
    private const int MaxShares = 10_000;

    /// <summary>The shared count is touched once per this many requests (at least one).</summary>
    public static int BlockFor(int limit) => Math.Max(1, limit / 50);

    /// <summary>Admits one request of <paramref name="caller"/> or throws a 429 <see cref="UsageLimitExceededException"/>.</summary>
    public async Task AdmitAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        if (caller.IsPlatform) return;
        var limits = await plans.LimitsForAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        if (limits.RequestsPerMinutePerTenant is { } perTenant)
        {
            await TakeAsync(caller.Tenant, "tenant", perTenant, "requests_per_minute_per_tenant", cancellationToken).ConfigureAwait(false);
        }
        if (limits.RequestsPerMinutePerKey is { } perKey)
        {
            await TakeAsync(caller.Tenant, "key_" + caller.KeyId, perKey, "requests_per_minute_per_key", cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => local.Dispose();

    private async Task TakeAsync(TenantId tenant, string scope, int limit, string limitName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var windowStart = now.ToUnixTimeSeconds() / (long)Window.TotalSeconds;
        var windowEnd = DateTimeOffset.FromUnixTimeSeconds((windowStart + 1) * (long)Window.TotalSeconds);
        if (limit <= 0) throw Refused(limitName, limit, windowEnd - now);
        var name = $"{tenant.Value}/{scope}";
        using (var lease = local.AttemptAcquire((name, limit)))
        {
            if (!lease.IsAcquired)
            {
                throw Refused(limitName, limit, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : windowEnd - now);
            }
        }
        if (shares.Count > MaxShares) Prune(windowStart);
        var share = shares.AddOrUpdate(name, _ => new Share(windowStart, limit), (_, existing) => existing.Start == windowStart && existing.Limit == limit ? existing : new Share(windowStart, limit));
        while (true)
        {
            if (Interlocked.Decrement(ref share.Remaining) >= 0) return;
            Interlocked.Increment(ref share.Remaining);
            if (share.Full) throw Refused(limitName, limit, windowEnd - now);
            await share.Claiming.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref share.Remaining) > 0) continue;
                var claimed = await ClaimAsync(tenant, scope, windowStart, limit, windowEnd, cancellationToken).ConfigureAwait(false);
                if (claimed == 0)
                {
                    share.Full = true;
                    throw Refused(limitName, limit, windowEnd - now);
                }
                Interlocked.Add(ref share.Remaining, claimed);
            }
            finally
            {
                share.Claiming.Release();
            }
        }
    }

    private void Prune(long currentWindow)
    {
        foreach (var (name, share) in shares)
        {
            if (share.Start < currentWindow) shares.TryRemove(new KeyValuePair<string, Share>(name, share));
        }
    }

    /// <summary>Moves the shared count up by one block (or what is left of the limit); returns the permits won, 0 when full.</summary>
    private async Task<int> ClaimAsync(TenantId tenant, string scope, long windowStart, int limit, DateTimeOffset windowEnd, CancellationToken cancellationToken)
    {
        var documents = store.For(tenant);
        var id = RateWindow.IdFor(scope, windowStart);
        var block = BlockFor(limit);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var current = await documents.GetAsync<RateWindow>(id, cancellationToken).ConfigureAwait(false);
            var claimed = current?.Value.Claimed ?? 0;
            var take = Math.Min(block, limit - claimed);
            if (take <= 0) return 0;
            try
            {
                if (current is null)
                {
                    await documents.CreateAsync(new RateWindow(id, tenant, scope, windowStart, limit, take, windowEnd), cancellationToken).ConfigureAwait(false);
                    await ForgetWindowAsync(documents, RateWindow.IdFor(scope, windowStart - 1), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await documents.ReplaceAsync(current.Value with { Claimed = claimed + take }, current.ETag, cancellationToken).ConfigureAwait(false);
                }
                return take;
            }
            catch (Exception ex) when (ex is DocumentConflictException or DocumentPreconditionFailedException)
            {
                // Another instance moved the count first: read it again.
            }
        }
        return 0;
    }

    /// <summary>The window before is over: whoever opens the next one deletes it, so the counts do not pile up.</summary>
    private static async Task ForgetWindowAsync(ITenantDocuments documents, string id, CancellationToken cancellationToken)
    {
        try
        {
            await documents.DeleteAsync<RateWindow>(id, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentMissingException)
        {
        }
    }

    private static UsageLimitExceededException Refused(string limitName, int limit, TimeSpan retryAfter) =>
        new(limitName, $"Over the plan's {limitName} of {limit}; try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.", retryAfter, isBudget: false);

    /// <summary>This instance's unused claimed permits of one rate's current window.</summary>
    private sealed class Share(long start, int limit)
    {
        public long Start { get; } = start;

        public int Limit { get; } = limit;

        public int Remaining;

        public volatile bool Full;

        public SemaphoreSlim Claiming { get; } = new(1, 1);
    }
}
