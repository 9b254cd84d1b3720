using AgentFunctions.Common;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Triggers;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// Per-tenant retention: reads and sets a tenant's <see cref="RetentionPolicy"/>, and applies every tenant's policy
/// (<see cref="ApplyAsync"/>, run by the lifecycle timer: a Functions timer in Azure, a background job locally). A run
/// older than its period goes with its tool executions and its orchestration instance's history (the run's usage
/// records stay: billing reads them); a session whose last activity is older goes with its messages; a trigger event
/// older goes with its dedupe key (events still queued are kept). Everything is read a page at a time.
/// </summary>
public sealed class RetentionService(IDocumentStore store, IOrchestrationClient orchestrations, TimeProvider time, ILogger<RetentionService> logger)
{
    private const int PageSize = 100;

    public async Task<RetentionPolicy> GetAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        (await store.For(tenant).GetAsync<RetentionPolicy>(RetentionPolicy.SingletonId, cancellationToken).ConfigureAwait(false))?.Value
        ?? RetentionPolicy.KeepEverything(tenant);

    public async Task<RetentionPolicy> SetAsync(TenantId tenant, int? runsDays, int? conversationsDays, int? eventsDays, CancellationToken cancellationToken = default)
    {
        new Validation()
            .Require(runsDays is null or (>= 1 and <= RetentionPolicy.MaxDays), "runs_days", $"must be 1 to {RetentionPolicy.MaxDays} days, or null to keep")
            .Require(conversationsDays is null or (>= 1 and <= RetentionPolicy.MaxDays), "conversations_days", $"must be 1 to {RetentionPolicy.MaxDays} days, or null to keep")
            .Require(eventsDays is null or (>= 1 and <= RetentionPolicy.MaxDays), "events_days", $"must be 1 to {RetentionPolicy.MaxDays} days, or null to keep")
            .ThrowIfInvalid();
        var policy = new RetentionPolicy(RetentionPolicy.SingletonId, tenant, runsDays, conversationsDays, eventsDays, time.GetUtcNow());
        await store.For(tenant).UpsertAsync(policy, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Tenant {TenantId} retention set: runs {RunsDays}, conversations {ConversationsDays}, events {EventsDays} days",
            tenant.Value, runsDays, conversationsDays, eventsDays);
        return policy;
    }

    /// <summary>Applies every tenant's policy once; returns a report for each tenant that had one.</summary>
    public async Task<IReadOnlyList<RetentionReport>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        var reports = new List<RetentionReport>();
        var platform = store.For(TenantId.Platform);
        string? continuation = null;
        do
        {
            var page = await platform.PageAsync<TenantDirectoryEntry>(new DocumentPageRequest(PageSize, continuation), cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Items)
            {
                var tenant = new TenantId(entry.Value.Id);
                var policy = await GetAsync(tenant, cancellationToken).ConfigureAwait(false);
                if (policy.KeepsEverything) continue;
                reports.Add(await ApplyAsync(tenant, policy, cancellationToken).ConfigureAwait(false));
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return reports;
    }

    public async Task<RetentionReport> ApplyAsync(TenantId tenant, RetentionPolicy policy, CancellationToken cancellationToken = default)
    {
        var documents = store.For(tenant);
        var now = time.GetUtcNow();
        long runs = 0, toolExecutions = 0, instances = 0, sessions = 0, messages = 0, events = 0;

        if (policy.RunsDays is { } runsDays)
        {
            var cutoff = now.AddDays(-runsDays);
            await foreach (var page in documents.PagesAsync<Run>(PageSize, cancellationToken).ConfigureAwait(false))
            {
                var expired = page.Where(r => r.Value.IsFinished && (r.Value.EndedAt ?? r.Value.CreatedAt) < cutoff).ToList();
                if (expired.Count == 0) continue;
                instances += await orchestrations.PurgeAsync(expired.Select(r => r.Value.Id).ToList(), cancellationToken).ConfigureAwait(false);
                foreach (var run in expired)
                {
                    toolExecutions += await DeleteWhereAsync(documents, ToolExecution.Kind, new FieldEquals("run_id", run.Value.Id), cancellationToken).ConfigureAwait(false);
                }
                runs += await DeleteAsync(documents, expired.Select(r => DocumentWrite.Delete(Run.Kind, r.Value.Id)).ToList(), cancellationToken).ConfigureAwait(false);
            }
        }

        if (policy.ConversationsDays is { } conversationDays)
        {
            var cutoff = now.AddDays(-conversationDays);
            await foreach (var page in documents.PagesAsync<Session>(PageSize, cancellationToken).ConfigureAwait(false))
            {
                foreach (var session in page.Where(s => s.Value.UpdatedAt < cutoff))
                {
                    messages += await DeleteWhereAsync(documents, ConversationMessage.Kind, new FieldEquals("session_id", session.Value.Id), cancellationToken).ConfigureAwait(false);
                    sessions += await DeleteAsync(documents, [DocumentWrite.Delete(Session.Kind, session.Value.Id)], cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (policy.EventsDays is { } eventDays)
        {
            var cutoff = now.AddDays(-eventDays);
            await foreach (var page in documents.PagesAsync<TriggerEvent>(PageSize, cancellationToken).ConfigureAwait(false))
            {
                foreach (var e in page.Where(e => e.Value.Status != TriggerEventStatus.Queued && e.Value.RecordedAt < cutoff))
                {
                    await DeleteWhereAsync(documents, TriggerEventKey.Kind, new FieldEquals("event_id", e.Value.Id), cancellationToken).ConfigureAwait(false);
                    events += await DeleteAsync(documents, [DocumentWrite.Delete(TriggerEvent.Kind, e.Value.Id)], cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var report = new RetentionReport(tenant.Value, runs, toolExecutions, instances, sessions, messages, events);
        if (report.Total > 0)
        {
            logger.LogInformation("Retention for tenant {TenantId} removed {Runs} runs ({Instances} orchestration instances), {Sessions} sessions ({Messages} messages), {Events} trigger events",
                tenant.Value, runs, instances, sessions, messages, events);
        }
        return report;
    }

    private static async Task<long> DeleteWhereAsync(ITenantDocuments documents, string kind, FieldEquals filter, CancellationToken cancellationToken)
    {
        long removed = 0;
        string? continuation = null;
        do
        {
            var page = await documents.QueryPageAsync(kind, [filter], new DocumentPageRequest(PageSize, continuation), cancellationToken).ConfigureAwait(false);
            removed += await DeleteAsync(documents, page.Items.Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList(), cancellationToken).ConfigureAwait(false);
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return removed;
    }

    /// <summary>Deletes a batch; one already gone (a concurrent pass) is skipped by deleting the rest one by one.</summary>
    private static async Task<long> DeleteAsync(ITenantDocuments documents, IReadOnlyList<DocumentWrite> deletes, CancellationToken cancellationToken)
    {
        if (deletes.Count == 0) return 0;
        try
        {
            await documents.CommitAsync(deletes, cancellationToken).ConfigureAwait(false);
            return deletes.Count;
        }
        catch (DocumentMissingException)
        {
            long removed = 0;
            foreach (var delete in deletes)
            {
                try
                {
                    await documents.CommitAsync([delete], cancellationToken).ConfigureAwait(false);
                    removed++;
                }
                catch (DocumentMissingException)
                {
                }
            }
            return removed;
        }
    }
}
