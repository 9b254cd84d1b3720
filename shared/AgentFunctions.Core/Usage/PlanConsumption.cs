using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>One limit of the tenant's plan and how much of it is used now (null: unlimited, or not a consumable amount).</summary>
public sealed record LimitConsumption(string Name, long? Limit, long? Used, string Window);

/// <summary>The body of <c>GET /api/v1/usage/limits</c>: the tenant's plan and each of its limits against what is used.</summary>
public sealed record PlanConsumptionView(string? PlanId, int? PlanVersion, DateTimeOffset PeriodFrom, DateTimeOffset PeriodTo, IReadOnlyList<LimitConsumption> Limits);

/// <summary>
/// The tenant's plan limits against their consumption, counted as <see cref="UsageLimits"/> counts them when it
/// enforces them: month-to-date budget tokens, enabled agents, documents and their bytes, top-level runs running, and
/// today's (UTC) trigger events. Read-only.
/// </summary>
public sealed class PlanConsumption(PlanService plans, IUsageStore usage, IDocumentStore store, TimeProvider time)
{
    public async Task<PlanConsumptionView> ForAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (monthStart, monthEnd) = UsageTally.MonthOf(now);
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var plan = await plans.CurrentForAsync(tenant, cancellationToken).ConfigureAwait(false);
        var limits = plan?.Limits ?? PlanLimits.Unlimited;
        var documents = store.For(tenant);

        var tokens = await usage.TotalAsync(tenant, UsageMeters.BudgetTokens, monthStart, monthEnd, cancellationToken).ConfigureAwait(false);
        var triggerEvents = await usage.TotalAsync(tenant, [UsageMeters.TriggerEvents], day, day.AddDays(1), cancellationToken).ConfigureAwait(false);
        var agents = (await documents.QueryAsync("agent", [new FieldEquals("enabled", "true")], cancellationToken).ConfigureAwait(false)).Count;
        var running = (await documents.QueryAsync("run", [new FieldEquals("status", "running"), new FieldEquals("parent_run_id", null)], cancellationToken).ConfigureAwait(false)).Count;
        var stored = await documents.QueryAsync("document", [], cancellationToken).ConfigureAwait(false);
        long bytes = 0;
        foreach (var document in stored) bytes += SizeOf(document);

        // A tenant on a plan nobody wrote limits for has no version: its plan id still says where it stands.
        var planId = plan?.PlanId ?? await plans.PlanIdOfAsync(tenant, cancellationToken).ConfigureAwait(false);
        return new PlanConsumptionView(planId, plan?.Version, monthStart, monthEnd,
        [
            new("monthly_token_budget", limits.MonthlyTokenBudget, tokens, "month"),
            new("active_agents", limits.ActiveAgents, agents, "now"),
            new("documents", limits.Documents, stored.Count, "now"),
            new("storage_bytes", limits.StorageBytes, bytes, "now"),
            new("runs_in_flight", limits.RunsInFlight, running, "now"),
            new("trigger_events_per_day", limits.TriggerEventsPerDay, triggerEvents, "day"),
            new("requests_per_minute_per_key", limits.RequestsPerMinutePerKey, null, "minute"),
            new("requests_per_minute_per_tenant", limits.RequestsPerMinutePerTenant, null, "minute"),
        ]);
    }

    private static long SizeOf(StoredDocument document)
    {
        using var json = System.Text.Json.JsonDocument.Parse(document.Json);
        return json.RootElement.TryGetProperty("size_bytes", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0;
    }
}
