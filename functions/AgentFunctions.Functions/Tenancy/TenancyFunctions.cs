using AgentFunctions.Api.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Tenancy;

/// <summary>The tenancy routes as Azure Functions: each one hands the request to the handler the local host maps too.</summary>
public sealed class TenancyFunctions(TenancyApi api)
{
    [Function(nameof(CreateTenant))]
    public Task<IResult> CreateTenant([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/tenants")] HttpRequest req) =>
        api.CreateTenant(req.HttpContext);

    [Function(nameof(ListTenants))]
    public Task<IResult> ListTenants([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants")] HttpRequest req) =>
        api.ListTenants(req.HttpContext);

    [Function(nameof(GetTenant))]
    public Task<IResult> GetTenant([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}")] HttpRequest req, string tenantId) =>
        api.GetTenant(req.HttpContext, tenantId);

    [Function(nameof(SetTenantPlan))]
    public Task<IResult> SetTenantPlan([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/tenants/{tenantId}/plan")] HttpRequest req, string tenantId) =>
        api.SetPlan(req.HttpContext, tenantId);

    [Function(nameof(GetMe))]
    public Task<IResult> GetMe([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/me")] HttpRequest req) =>
        api.Me(req.HttpContext);

    [Function(nameof(ListTeams))]
    public Task<IResult> ListTeams([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/teams")] HttpRequest req) =>
        api.ListTeams(req.HttpContext);

    [Function(nameof(CreateTeam))]
    public Task<IResult> CreateTeam([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/teams")] HttpRequest req) =>
        api.CreateTeam(req.HttpContext);

    [Function(nameof(CreateUser))]
    public Task<IResult> CreateUser([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/users")] HttpRequest req) =>
        api.CreateUser(req.HttpContext);

    [Function(nameof(ListUsers))]
    public Task<IResult> ListUsers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/users")] HttpRequest req) =>
        api.ListUsers(req.HttpContext);

    [Function(nameof(GetUser))]
    public Task<IResult> GetUser([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/users/{userId}")] HttpRequest req, string userId) =>
        api.GetUser(req.HttpContext, userId);

    [Function(nameof(UpdateUser))]
    public Task<IResult> UpdateUser([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/users/{userId}")] HttpRequest req, string userId) =>
        api.UpdateUser(req.HttpContext, userId);

    [Function(nameof(CreateApiKey))]
    public Task<IResult> CreateApiKey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/keys")] HttpRequest req) =>
        api.CreateKey(req.HttpContext);

    [Function(nameof(ListApiKeys))]
    public Task<IResult> ListApiKeys([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/keys")] HttpRequest req) =>
        api.ListKeys(req.HttpContext);

    [Function(nameof(RevokeApiKey))]
    public Task<IResult> RevokeApiKey([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/keys/{keyId}")] HttpRequest req, string keyId) =>
        api.RevokeKey(req.HttpContext, keyId);
}
