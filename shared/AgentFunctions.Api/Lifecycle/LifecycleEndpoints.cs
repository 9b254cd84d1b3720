using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Lifecycle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Lifecycle;

public static class LifecycleEndpoints
{
    /// <summary>
    /// The lifecycle services and the stores every host has (document store, orchestrations, knowledge index and files,
    /// vault). A host adds its own stores with <see cref="TenantDataStoreServiceCollectionExtensions.AddTenantDataStore{T}"/>.
    /// </summary>
    public static IServiceCollection AddLifecycleFeature(this IServiceCollection services)
    {
        services.TryAddScoped<TenantExportService>();
        services.TryAddScoped<TenantDeletionService>();
        services.TryAddScoped<RetentionService>();
        services.TryAddScoped<LifecycleApi>();
        services.AddTenantDataStore<ApiKeysTenantData>();
        services.AddTenantDataStore<TriggerDirectoryTenantData>();
        services.AddTenantDataStore<OrchestrationsTenantData>();
        services.AddTenantDataStore<KnowledgeIndexTenantData>();
        services.AddTenantDataStore<KnowledgeFilesTenantData>();
        services.AddTenantDataStore<SecretsTenantData>();
        services.AddTenantDataStore<DocumentsTenantData>();
        return services;
    }

    public static IEndpointRouteBuilder MapLifecycleApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/tenants/{tenantId}/export", (HttpContext http, string tenantId, LifecycleApi h) => h.Export(http, tenantId))
            .WithName("ExportTenant").WithMetadata(AuthLevel.Anonymous).PlatformOrPermission(Permission.ManageTenantData);
        api.MapDelete("v1/tenants/{tenantId}", (HttpContext http, string tenantId, LifecycleApi h) => h.DeleteTenant(http, tenantId))
            .WithName("DeleteTenant").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapGet("v1/tenants/{tenantId}/deletion", (HttpContext http, string tenantId, LifecycleApi h) => h.GetDeletion(http, tenantId))
            .WithName("GetTenantDeletion").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapGet("v1/tenants/{tenantId}/retention", (HttpContext http, string tenantId, LifecycleApi h) => h.GetRetention(http, tenantId))
            .WithName("GetTenantRetention").WithMetadata(AuthLevel.Anonymous).PlatformOrPermission(Permission.ManageTenantData);
        api.MapPut("v1/tenants/{tenantId}/retention", (HttpContext http, string tenantId, LifecycleApi h) => h.SetRetention(http, tenantId))
            .WithName("SetTenantRetention").WithMetadata(AuthLevel.Anonymous).PlatformOrPermission(Permission.ManageTenantData);
        return api;
    }
}
