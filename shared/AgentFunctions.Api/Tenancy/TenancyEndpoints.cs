using AgentFunctions.Api.Http;
using AgentFunctions.Tenancy;
using AgentFunctions.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Api.Tenancy;

public static class TenancyEndpoints
{
    public static IServiceCollection AddTenancyFeature(this IServiceCollection services)
    {
        services.AddSingleton<TenancyService>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<TenancyApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapTenancyApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/tenants", (HttpContext http, TenancyApi h) => h.CreateTenant(http)).WithName("CreateTenant").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapGet("v1/tenants", (HttpContext http, TenancyApi h) => h.ListTenants(http)).WithName("ListTenants").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapGet("v1/tenants/{tenantId}", (HttpContext http, string tenantId, TenancyApi h) => h.GetTenant(http, tenantId)).WithName("GetTenant").WithMetadata(AuthLevel.Anonymous).AnyKey();
        api.MapPut("v1/tenants/{tenantId}/plan", (HttpContext http, string tenantId, TenancyApi h) => h.SetPlan(http, tenantId)).WithName("SetTenantPlan").WithMetadata(AuthLevel.Anonymous).Platform();
        api.MapGet("v1/me", (HttpContext http, TenancyApi h) => h.Me(http)).WithName("GetMe").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None);
        api.MapGet("v1/teams", (HttpContext http, TenancyApi h) => h.ListTeams(http)).WithName("ListTeams").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None);
        api.MapPost("v1/teams", (HttpContext http, TenancyApi h) => h.CreateTeam(http)).WithName("CreateTeam").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageUsers);
        api.MapPost("v1/users", (HttpContext http, TenancyApi h) => h.CreateUser(http)).WithName("CreateUser").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageUsers);
        api.MapGet("v1/users", (HttpContext http, TenancyApi h) => h.ListUsers(http)).WithName("ListUsers").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageUsers);
        api.MapGet("v1/users/{userId}", (HttpContext http, string userId, TenancyApi h) => h.GetUser(http, userId)).WithName("GetUser").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None, forOthers: Permission.ManageUsers);
        api.MapPatch("v1/users/{userId}", (HttpContext http, string userId, TenancyApi h) => h.UpdateUser(http, userId)).WithName("UpdateUser").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageUsers);
        api.MapPost("v1/keys", (HttpContext http, TenancyApi h) => h.CreateKey(http)).WithName("CreateApiKey").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None, forOthers: Permission.ManageKeys);
        api.MapGet("v1/keys", (HttpContext http, TenancyApi h) => h.ListKeys(http)).WithName("ListApiKeys").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None);
        api.MapDelete("v1/keys/{keyId}", (HttpContext http, string keyId, TenancyApi h) => h.RevokeKey(http, keyId)).WithName("RevokeApiKey").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.None, forOthers: Permission.ManageKeys);
        return api;
    }
}
