using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Lifecycle;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Lifecycle;

/// <summary>A tenant's data lifecycle: export (platform key or the tenant's admin), deletion (platform key), retention.</summary>
public sealed class LifecycleApi(
    TenancyService tenancy,
    TenantExportService exports,
    TenantDeletionService deletions,
    RetentionService retention,
    TimeProvider time,
    ILogger<LifecycleApi> logger)
{
    /// <summary>How long a delete request works before answering 202 and leaving the rest to the lifecycle timer.</summary>
    public static readonly TimeSpan DeleteRequestBudget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Streams the archive while it is read from the stores (gzip'd JSON lines). Everything that can fail as a problem
    /// (key, permission, tenant) is checked before the first byte; a store failure after that aborts the response, and
    /// an archive without its closing summary line is incomplete.
    /// </summary>
    public Task<IResult> Export(HttpContext http, string tenantId) => ApiCall.RunPlatformOrTenantAsync(http, tenantId, Permission.ManageTenantData, async (_, tenant) =>
    {
        await tenancy.GetTenantAsync(tenant, http.RequestAborted);
        var fileName = TenantExportService.FileName(tenant, time.GetUtcNow());
        return Results.Stream(async body =>
        {
            try
            {
                await exports.WriteAsync(tenant, body, http.RequestAborted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Export of tenant {TenantId} failed after it started streaming; the response is aborted", tenant.Value);
                http.Abort();
            }
        }, TenantExportService.ContentType, fileName);
    });

    /// <summary>200 with the final report when the deletion finished within the request; 202 with its progress otherwise.</summary>
    public Task<IResult> DeleteTenant(HttpContext http, string tenantId) => ApiCall.RunPlatformAsync(http, async _ =>
    {
        var tenant = ParseTenant(tenantId);
        var deletion = await deletions.DeleteAsync(tenant, DeleteRequestBudget, http.RequestAborted);
        var view = TenantDeletionView.From(deletion);
        return deletion.Status == TenantDeletionStatus.Completed
            ? ApiResults.Ok(view)
            : ApiResults.Accepted(view, $"/api/v1/tenants/{tenant.Value}/deletion");
    });

    /// <summary>The deletion's record (progress or final report); for a live tenant never deleted, status <c>none</c>.</summary>
    public Task<IResult> GetDeletion(HttpContext http, string tenantId) => ApiCall.RunPlatformAsync(http, async _ =>
    {
        var tenant = ParseTenant(tenantId);
        if (await deletions.GetAsync(tenant, http.RequestAborted) is { } deletion) return ApiResults.Ok(TenantDeletionView.From(deletion));
        await tenancy.GetTenantAsync(tenant, http.RequestAborted);
        return ApiResults.Ok(TenantDeletionView.None(tenant));
    });

    public Task<IResult> GetRetention(HttpContext http, string tenantId) => ApiCall.RunPlatformOrTenantAsync(http, tenantId, Permission.ManageTenantData, async (_, tenant) =>
    {
        await tenancy.GetTenantAsync(tenant, http.RequestAborted);
        return ApiResults.Ok(RetentionView.From(await retention.GetAsync(tenant, http.RequestAborted)));
    });

    public Task<IResult> SetRetention(HttpContext http, string tenantId) => ApiCall.RunPlatformOrTenantAsync(http, tenantId, Permission.ManageTenantData, async (_, tenant) =>
    {
        var body = await JsonBody.ReadAsync<SetRetentionRequest>(http.Request, cancellationToken: http.RequestAborted);
        await tenancy.GetTenantAsync(tenant, http.RequestAborted);
        var policy = await retention.SetAsync(tenant, body.RunsDays, body.ConversationsDays, body.EventsDays, http.RequestAborted);
        return ApiResults.Ok(RetentionView.From(policy));
    });

    private static TenantId ParseTenant(string tenantId) =>
        TenantId.TryParse(tenantId, out var tenant) && tenant != TenantId.Platform && !tenantId.StartsWith('_') ? tenant : throw new NotFoundException("Tenant");
}

/// <summary>Body of <c>PUT /api/v1/tenants/{id}/retention</c>: days to keep each kind of data; null (or absent) keeps it.</summary>
public sealed record SetRetentionRequest(int? RunsDays, int? ConversationsDays, int? EventsDays);

public sealed record RetentionView(string TenantId, int? RunsDays, int? ConversationsDays, int? EventsDays, DateTimeOffset? UpdatedAt)
{
    public static RetentionView From(RetentionPolicy policy) => new(policy.TenantId.Value, policy.RunsDays, policy.ConversationsDays, policy.EventsDays, policy.UpdatedAt);
}

/// <summary>A deletion as the API shows it: status, per-store counts, totals.</summary>
public sealed record TenantDeletionView(
    string TenantId,
    string Status,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<TenantDeletionStepView> Stores,
    long TotalRemoved,
    int Passes,
    string? LastError)
{
    public static TenantDeletionView From(TenantDeletion deletion) => new(deletion.Id, deletion.Status == TenantDeletionStatus.Completed ? "completed" : "running",
        deletion.RequestedAt, deletion.CompletedAt, deletion.Steps.Select(s => new TenantDeletionStepView(s.Store, s.Done ? "done" : "pending", s.Removed)).ToList(),
        deletion.TotalRemoved, deletion.Passes, deletion.LastError);

    public static TenantDeletionView None(TenantId tenant) => new(tenant.Value, "none", null, null, [], 0, 0, null);
}

public sealed record TenantDeletionStepView(string Store, string Status, long Removed);
