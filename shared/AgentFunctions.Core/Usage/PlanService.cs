using System.Collections.Concurrent;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Usage;

/// <summary>
/// Plans, versioned in the platform partition, and the plan a tenant is on (the tenant's <c>plan</c> name). A plan
/// never written has no limits and no prices. Reads of a tenant's current plan are cached for a few seconds.
/// </summary>
public sealed class PlanService(IDocumentStore store, TimeProvider time, ILogger<PlanService> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<TenantId, (PlanVersion? Plan, DateTimeOffset At)> tenantPlans = new();

    public static bool IsValidPlanId(string? planId) =>
        !string.IsNullOrEmpty(planId) && planId.Length <= 40 && planId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-');

    public async Task<IReadOnlyList<PlanVersion>> VersionsAsync(string planId, CancellationToken cancellationToken = default)
    {
        var versions = await store.For(TenantId.Platform).ListAsync<PlanVersion>(cancellationToken, new FieldEquals("plan_id", planId)).ConfigureAwait(false);
        return versions.Select(v => v.Value).OrderBy(v => v.Version).ToList();
    }

    public async Task<PlanVersion> GetAsync(string planId, CancellationToken cancellationToken = default)
    {
        if (!IsValidPlanId(planId)) throw new NotFoundException($"The plan '{planId}'");
        return (await VersionsAsync(planId, cancellationToken).ConfigureAwait(false)).LastOrDefault()
            ?? throw new NotFoundException($"A version of the plan '{planId}'");
    }

    /// <summary>Writes a new version; the id of a version is fixed by its number, so two concurrent writers cannot both win it.</summary>
    public async Task<PlanVersion> PutAsync(string planId, PlanInput? input, CancellationToken cancellationToken = default)
    {
        var validation = new Validation().Require(IsValidPlanId(planId), "plan_id", "must be 1 to 40 lower-case letters, digits, '_' or '-'");
        validation.Require(input is not null, "body", "is required");
        if (input?.Prices is { } prices)
        {
            var all = new List<decimal> { prices.ToolCall, prices.KnowledgeQuery, prices.GbMonth, prices.TriggerEvent, prices.EmbeddingPer1K, prices.RunSecond };
            foreach (var model in (prices.Models?.Values ?? []).Append(prices.DefaultModel ?? new ModelPrice(0, 0)))
            {
                all.AddRange([model.InputPer1K, model.OutputPer1K, model.CachedInputPer1K]);
            }
            validation.Require(all.All(p => p >= 0m), "prices", "must not be negative");
            validation.Require(prices.Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "prices.currency", "must be a three-letter ISO 4217 code");
        }
        if (input?.Limits is { } limits)
        {
            validation.Require(new long?[] { limits.MonthlyTokenBudget, limits.ActiveAgents, limits.Documents, limits.StorageBytes, limits.RequestsPerMinutePerKey,
                limits.RequestsPerMinutePerTenant, limits.RunsInFlight, limits.TriggerEventsPerDay }.All(l => l is null or >= 0), "limits", "must not be negative");
        }
        validation.ThrowIfInvalid();

        var platform = store.For(TenantId.Platform);
        for (var attempt = 0; ; attempt++)
        {
            var latest = (await VersionsAsync(planId, cancellationToken).ConfigureAwait(false)).LastOrDefault();
            var version = (latest?.Version ?? 0) + 1;
            var plan = new PlanVersion(PlanVersion.IdFor(planId, version), TenantId.Platform, planId, version, input!.Limits ?? PlanLimits.Unlimited,
                input.Prices ?? PlanPrices.Free, time.GetUtcNow());
            try
            {
                await platform.CreateAsync(plan, cancellationToken).ConfigureAwait(false);
                tenantPlans.Clear();
                logger.LogInformation("Plan {PlanId} version {Version} written", planId, version);
                return plan;
            }
            catch (DocumentConflictException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>The plan version the tenant is on now, or null when its plan was never written (no limits).</summary>
    public async Task<PlanVersion?> CurrentForAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (tenantPlans.TryGetValue(tenant, out var cached) && now - cached.At < CacheFor) return cached.Plan;
        var planId = await PlanIdOfAsync(tenant, cancellationToken).ConfigureAwait(false);
        var plan = planId is null ? null : (await VersionsAsync(planId, cancellationToken).ConfigureAwait(false)).LastOrDefault();
        tenantPlans[tenant] = (plan, now);
        return plan;
    }

    public async Task<PlanLimits> LimitsForAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        (await CurrentForAsync(tenant, cancellationToken).ConfigureAwait(false))?.Limits ?? PlanLimits.Unlimited;

    public async Task<string?> PlanIdOfAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        (await store.For(tenant).GetAsync<Tenant>(tenant.Value, cancellationToken).ConfigureAwait(false))?.Value.Plan;

    /// <summary>Forgets cached tenant plans (a tenant moved to another plan).</summary>
    public void Invalidate() => tenantPlans.Clear();
}
