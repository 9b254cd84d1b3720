using AgentFunctions.Lifecycle;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Usage;

public static class UsageEndpoints
{
    /// <summary>Metering, plans, limits and invoices. Needs an <see cref="IUsageStore"/> from the host's adapters.</summary>
    public static IServiceCollection AddUsageFeature(this IServiceCollection services)
    {
        services.TryAddSingleton<PlanService>();
        services.TryAddSingleton<UsageTally>();
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddSingleton<UsageLimits>();
        services.TryAddSingleton<RunUsageMeter>();
        services.TryAddSingleton<TriggerUsageMeter>();
        services.TryAddSingleton<KnowledgeUsageMeter>();
        services.TryAddSingleton<RequestRateLimiter>();
        services.TryAddSingleton<InvoiceService>();
        services.TryAddSingleton<UsageApi>();
        services.TryAddSingleton<PlansApi>();
        services.AddTenantDataStore<UsageTenantData>();
        services.TryAddSingleton<InvoicesApi>();
        services.TryAddSingleton<PlanConsumption>();
        services.TryAddSingleton<UsageLimitsApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("v1/usage", (HttpContext http, UsageApi h) => h.Get(http)).WithName("GetUsage").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewBilling);
        api.MapGet("v1/usage/limits", (HttpContext http, UsageLimitsApi h) => h.Get(http)).WithName("GetUsageLimits").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewBilling);
        api.MapGet("v1/plans/{planId}", (HttpContext http, string planId, PlansApi h) => h.Get(http, planId)).WithName("GetPlan").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapPut("v1/plans/{planId}", (HttpContext http, string planId, PlansApi h) => h.Put(http, planId)).WithName("PutPlan").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapPost("v1/invoices/drafts", (HttpContext http, InvoicesApi h) => h.CreateDraft(http)).WithName("CreateInvoiceDraft").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewBilling);
        api.MapGet("v1/invoices", (HttpContext http, InvoicesApi h) => h.List(http)).WithName("ListInvoices").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewBilling);
        api.MapGet("v1/invoices/{invoiceId}", (HttpContext http, string invoiceId, InvoicesApi h) => h.Get(http, invoiceId)).WithName("GetInvoice").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewBilling);
        return api;
    }
}
