using AgentFunctions.Api.Lifecycle;
using AgentFunctions.Functions.Engine;
using AgentFunctions.Lifecycle;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions.Lifecycle;

/// <summary>
/// The tenant data lifecycle as Functions: the HTTP routes of <see cref="LifecycleEndpoints"/> (same names, methods and
/// templates), and two timers. <see cref="ResumeTenantDeletions"/> finishes deletions a request left running (its time
/// budget, a crash, a store error); <see cref="ApplyRetention"/> applies every tenant's retention once a day, purging the
/// Durable history of the runs it removes. Routes and timers that may purge instances get the Durable client binding.
/// </summary>
public sealed class LifecycleFunctions(LifecycleApi api, TenantDeletionService deletions, RetentionService retention, DurableClientBinding durable,
    ILogger<LifecycleFunctions> logger)
{
    [Function(nameof(ExportTenant))]
    public Task<IResult> ExportTenant([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/tenants/{tenantId}/export")] HttpRequest req, string tenantId) =>
        api.Export(req.HttpContext, tenantId);

    [Function(nameof(DeleteTenant))]
    public Task<IResult> DeleteTenant([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/tenants/{tenantId}")] HttpRequest req, string tenantId,
        [DurableClient] DurableTaskClient client)
    {
        durable.Bind(client);
        return api.DeleteTenant(req.HttpContext, tenantId);
    }

    [Function(nameof(GetTenantDeletion))]
    public Task<IResult> GetTenantDeletion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}/deletion")] HttpRequest req, string tenantId) =>
        api.GetDeletion(req.HttpContext, tenantId);

    [Function(nameof(GetTenantRetention))]
    public Task<IResult> GetTenantRetention([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}/retention")] HttpRequest req, string tenantId) =>
        api.GetRetention(req.HttpContext, tenantId);

    [Function(nameof(SetTenantRetention))]
    public Task<IResult> SetTenantRetention([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/tenants/{tenantId}/retention")] HttpRequest req, string tenantId) =>
        api.SetRetention(req.HttpContext, tenantId);

    [Function(nameof(ResumeTenantDeletions))]
    public async Task ResumeTenantDeletions([TimerTrigger("0 */5 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Bind(client);
        var finished = await deletions.ResumeAsync(cancellationToken).ConfigureAwait(false);
        if (finished.Count > 0) logger.LogInformation("Lifecycle timer finished {Count} tenant deletions", finished.Count);
    }

    [Function(nameof(ApplyRetention))]
    public async Task ApplyRetention([TimerTrigger("0 30 3 * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Bind(client);
        var reports = await retention.ApplyAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Retention applied to {TenantCount} tenants: {Removed} items removed", reports.Count, reports.Sum(r => r.Total));
    }
}
