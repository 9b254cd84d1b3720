using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Tenancy;

/// <summary>Tenants (platform key), teams, users, the caller's own identity, and API keys.</summary>
public sealed class TenancyApi(TenancyService tenancy, ApiKeyService keys)
{
    public Task<IResult> CreateTenant(HttpContext http) => ApiCall.RunPlatformAsync(http, async _ =>
    {
        var body = await JsonBody.ReadAsync<CreateTenantRequest>(http.Request, cancellationToken: http.RequestAborted);
        var created = await tenancy.CreateTenantAsync(
            new CreateTenantCommand(body.Name, body.Plan, body.Contact, body.Admin?.Email, body.Admin?.DisplayName, body.TenantId), http.RequestAborted);
        var view = new TenantCreatedView(TenantView.From(created.Tenant), UserView.From(created.Admin),
            new ApiKeyIssued(ApiKeyView.From(created.AdminKey), created.AdminKeyText));
        return ApiResults.Created(view, $"/api/v1/tenants/{created.Tenant.Id}");
    });

    public Task<IResult> ListTenants(HttpContext http) => ApiCall.RunPlatformAsync(http, async _ =>
        ApiResults.Ok(await tenancy.ListTenantsAsync(ListQuery.Read(http.Request), http.RequestAborted)));

    /// <summary>The platform key reads any tenant; a tenant key reads only its own (others are 404).</summary>
    public Task<IResult> GetTenant(HttpContext http, string tenantId) => ApiCall.RunAnyKeyAsync(http, async caller =>
    {
        if (!TenantId.TryParse(tenantId, out var tenant) || (!caller.IsPlatform && caller.Tenant != tenant) || tenant == TenantId.Platform)
        {
            throw new NotFoundException("Tenant");
        }
        return ApiResults.Ok(TenantView.From(await tenancy.GetTenantAsync(tenant, http.RequestAborted)));
    });

    public Task<IResult> SetPlan(HttpContext http, string tenantId) => ApiCall.RunPlatformAsync(http, async _ =>
    {
        if (!TenantId.TryParse(tenantId, out var tenant) || tenant == TenantId.Platform) throw new NotFoundException("Tenant");
        var body = await JsonBody.ReadAsync<SetPlanRequest>(http.Request, cancellationToken: http.RequestAborted);
        return ApiResults.Ok(TenantView.From(await tenancy.SetPlanAsync(tenant, body.Plan, http.RequestAborted)));
    });

    public Task<IResult> Me(HttpContext http) => ApiCall.RunAsync(http, Permission.None, async caller =>
    {
        var user = await tenancy.GetUserAsync(caller, caller.UserId, http.RequestAborted);
        var permissions = Enum.GetValues<Permission>().Where(p => p != Permission.None && caller.Can(p))
            .Select(p => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.ToString())).ToList();
        return ApiResults.Ok(new MeView(caller.Tenant.Value, UserView.From(user), caller.KeyId, caller.Role, permissions));
    });

    public Task<IResult> ListTeams(HttpContext http) => ApiCall.RunAsync(http, Permission.None, async caller =>
        ApiResults.Ok(await tenancy.ListTeamsAsync(caller, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> CreateTeam(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageUsers, async caller =>
    {
        var body = await JsonBody.ReadAsync<CreateTeamRequest>(http.Request, cancellationToken: http.RequestAborted);
        var team = await tenancy.CreateTeamAsync(caller, body.Name, http.RequestAborted);
        return ApiResults.Created(new { team.Id, team.Name, team.CreatedAt }, $"/api/v1/teams/{team.Id}");
    });

    public Task<IResult> CreateUser(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageUsers, async caller =>
    {
        var body = await JsonBody.ReadAsync<CreateUserRequest>(http.Request, cancellationToken: http.RequestAborted);
        var user = await tenancy.CreateUserAsync(caller, new CreateUserCommand(body.Email, body.DisplayName, body.Role, body.TeamIds), http.RequestAborted);
        return ApiResults.Created(UserView.From(user), $"/api/v1/users/{user.Id}");
    });

    public Task<IResult> ListUsers(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageUsers, async caller =>
        ApiResults.Ok((await tenancy.ListUsersAsync(caller, ListQuery.Read(http.Request), http.RequestAborted)).Select(UserView.From)));

    public Task<IResult> GetUser(HttpContext http, string userId) => ApiCall.RunAsync(http, Permission.None, async caller =>
    {
        if (userId != caller.UserId) caller.Demand(Permission.ManageUsers);
        return ApiResults.Ok(UserView.From(await tenancy.GetUserAsync(caller, userId, http.RequestAborted)));
    });

    public Task<IResult> UpdateUser(HttpContext http, string userId) => ApiCall.RunAsync(http, Permission.ManageUsers, async caller =>
    {
        var body = await JsonBody.ReadAsync<UpdateUserRequest>(http.Request, cancellationToken: http.RequestAborted);
        var user = await tenancy.UpdateUserAsync(caller, userId, new UpdateUserCommand(body.DisplayName, body.Role, body.Disabled, body.TeamIds), http.RequestAborted);
        return ApiResults.Ok(UserView.From(user));
    });

    public Task<IResult> CreateKey(HttpContext http) => ApiCall.RunAsync(http, Permission.None, async caller =>
    {
        var body = await JsonBody.ReadAsync<CreateApiKeyRequest>(http.Request, cancellationToken: http.RequestAborted);
        var (key, text) = await keys.CreateAsync(caller, new CreateApiKeyCommand(body.Name, body.UserId, body.Role, body.ExpiresAt), http.RequestAborted);
        return ApiResults.Created(new ApiKeyIssued(ApiKeyView.From(key), text), $"/api/v1/keys/{key.Id}");
    });

    public Task<IResult> ListKeys(HttpContext http) => ApiCall.RunAsync(http, Permission.None, async caller =>
    {
        var userId = http.Request.Query["user_id"].ToString();
        var list = await keys.ListAsync(caller, string.IsNullOrEmpty(userId) ? null : userId, ListQuery.Read(http.Request, "user_id"), http.RequestAborted);
        return ApiResults.Ok(list.Select(ApiKeyView.From));
    });

    public Task<IResult> RevokeKey(HttpContext http, string keyId) => ApiCall.RunAsync(http, Permission.None, async caller =>
        ApiResults.Ok(ApiKeyView.From(await keys.RevokeAsync(caller, keyId, http.RequestAborted))));
}
