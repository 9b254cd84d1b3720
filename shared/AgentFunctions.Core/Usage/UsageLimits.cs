using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// The plan's limits, checked before the work: a token budget before a run starts and before each model call, runs in
/// flight before a run starts, active agents before one is created or enabled, documents and stored bytes before an
/// upload, trigger events per day before an event is dispatched. Counts come from the usage store (tokens, events) or
/// the document store (agents, runs, documents).
/// </summary>
public sealed class UsageLimits(PlanService plans, UsageTally tally, IDocumentStore store, TimeProvider time)
{
    /// <summary>Throws when the tenant's month-to-date tokens reached its budget (a run would start over budget).</summary>
    public async Task EnsureTokenBudgetAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var limits = await plans.LimitsForAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (limits.MonthlyTokenBudget is not { } budget) return;
        var used = await tally.TokensThisMonthAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (used < budget) return;
        var (_, monthEnd) = UsageTally.MonthOf(time.GetUtcNow());
        throw new UsageLimitExceededException("monthly_token_budget",
            $"{UsageLimitExceededException.BudgetMarker} The tenant used {used} tokens this month, its plan's monthly_token_budget is {budget}; no more model calls until {monthEnd:yyyy-MM-dd} or a larger budget.",
            monthEnd - time.GetUtcNow(), isBudget: true);
    }

    /// <summary>Everything a new run needs: budget left and a free run slot.</summary>
    public async Task EnsureRunMayStartAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        await EnsureTokenBudgetAsync(tenant, cancellationToken).ConfigureAwait(false);
        var limits = await plans.LimitsForAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (limits.RunsInFlight is { } inFlight)
        {
            var running = await CountAsync(tenant, "run", cancellationToken, new FieldEquals("status", "running"), new FieldEquals("parent_run_id", null)).ConfigureAwait(false);
            if (running >= inFlight)
            {
                throw new UsageLimitExceededException("runs_in_flight", $"The tenant has {running} runs in flight; its plan allows {inFlight}. Try again when one finishes.", TimeSpan.FromSeconds(5), isBudget: false);
            }
        }
    }

    public async Task EnsureAgentSlotAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var limits = await plans.LimitsForAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (limits.ActiveAgents is not { } max) return;
        var active = await CountAsync(tenant, "agent", cancellationToken, new FieldEquals("enabled", "true")).ConfigureAwait(false);
        if (active >= max)
        {
            throw new UsageLimitExceededException("active_agents", $"The tenant has {active} active agents; its plan allows {max}. Disable or delete one first.", null, isBudget: false);
        }
    }

    public async Task EnsureDocumentSlotAsync(TenantId tenant, long addedBytes, CancellationToken cancellationToken = default)
    {
        var limits = await plans.LimitsForAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (limits.Documents is null && limits.StorageBytes is null) return;
        var documents = await store.For(tenant).QueryAsync("document", [], cancellationToken).ConfigureAwait(false);
        if (limits.Documents is { } maxDocuments && documents.Count >= maxDocuments)
        {
            throw new UsageLimitExceededException("documents", $"The tenant stores {documents.Count} documents; its plan allows {maxDocuments}.", null, isBudget: false);
        }
        if (limits.StorageBytes is { } maxBytes)
        {
            long stored = 0;
            foreach (var document in documents) stored += SizeOf(document);
            if (stored + addedBytes > maxBytes)
            {
                throw new UsageLimitExceededException("storage_bytes", $"The tenant stores {stored} bytes; {addedBytes} more would pass its plan's {maxBytes}.", null, isBudget: false);
            }
        }
    }

    private async Task<int> CountAsync(TenantId tenant, string kind, CancellationToken cancellationToken, params FieldEquals[] filter) =>
        (await store.For(tenant).QueryAsync(kind, filter, cancellationToken).ConfigureAwait(false)).Count;

    private static long SizeOf(StoredDocument document)
    {
        using var json = System.Text.Json.JsonDocument.Parse(document.Json);
        return json.RootElement.TryGetProperty("size_bytes", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0;
    }
}
