using System.Net;
using AgentFunctions.Common;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Tenancy;

public sealed class TenancyApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private HttpClient Platform => factory.ClientWithKey(factory.PlatformKey);

    [Fact]
    public async Task CreateTenant_WithPlatformKey_ReturnsWorkingAdminKeyShownOnce()
    {
        var created = await (await Platform.PostJsonAsync("/api/v1/tenants", new { name = "Acme", plan = "pro", admin = new { email = "boss@acme.test" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var key = created["admin_key"]!["key"]!.GetValue<string>();
        var tenantId = created["tenant"]!["id"]!.GetValue<string>();

        var me = await (await factory.ClientWithKey(key).GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(tenantId, me["tenant_id"]!.GetValue<string>());
        Assert.Equal("admin", me["effective_role"]!.GetValue<string>());

        var keys = await (await factory.ClientWithKey(key).GetAsync("/api/v1/keys")).ExpectAsync(HttpStatusCode.OK);
        var listed = keys.ToJsonString();
        Assert.DoesNotContain(key, listed);
        Assert.DoesNotContain("secret_hash", listed);
        Assert.Contains(created["admin_key"]!["api_key"]!["prefix"]!.GetValue<string>(), listed);
    }

    [Fact]
    public async Task CreateTenant_WithTenantKey_IsForbidden()
    {
        var tenant = await factory.SeedTenantAsync();
        await (await tenant.First.Client.PostJsonAsync("/api/v1/tenants", new { name = "Evil", admin = new { email = "x@y.z" } }))
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Routes_WithoutOrWithBadKey_AreUnauthorized()
    {
        await (await factory.CreateClient().GetAsync("/api/v1/agents")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.ClientWithKey("afk.nobody.key_abc.AAAAAAAAAAAAAAAAAAAAAAAA").GetAsync("/api/v1/agents")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await factory.ClientWithKey("afp.wrong-platform-key").GetAsync("/api/v1/tenants")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CreateTenant_DuplicateId_ConflictsAndLeavesFirstIntact()
    {
        var id = "dup-" + Guid.NewGuid().ToString("N")[..8];
        await (await Platform.PostJsonAsync("/api/v1/tenants", new { name = "One", tenant_id = id, admin = new { email = "a@one.test" } })).ExpectAsync(HttpStatusCode.Created);
        await (await Platform.PostJsonAsync("/api/v1/tenants", new { name = "Two", tenant_id = id, admin = new { email = "a@two.test" } })).ExpectProblemAsync(HttpStatusCode.Conflict);
        var tenant = await (await Platform.GetAsync($"/api/v1/tenants/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("One", tenant["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateTenant_InvalidBody_ListsFieldErrorsAndStoresNothing()
    {
        var before = (await factory.Store.For(TenantId.Platform).QueryAsync(TenantDirectoryEntry.Kind, [])).Count;
        var problem = await (await Platform.PostJsonAsync("/api/v1/tenants", new { name = "", plan = "gold", admin = new { email = "nope" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("plan"));
        Assert.True(errors.ContainsKey("admin.email"));
        Assert.Equal(before, (await factory.Store.For(TenantId.Platform).QueryAsync(TenantDirectoryEntry.Kind, [])).Count);
    }

    [Fact]
    public async Task SetPlan_ByPlatform_ChangesPlan()
    {
        var tenant = await factory.SeedTenantAsync();
        var updated = await (await Platform.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Tenant.Value}/plan", new { plan = "enterprise" })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("enterprise", updated["plan"]!.GetValue<string>());
        await (await tenant.First.Client.SendJsonAsync(HttpMethod.Put, $"/api/v1/tenants/{tenant.Tenant.Value}/plan", new { plan = "free" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task GetTenant_OtherTenantsKey_IsNotFound()
    {
        var a = await factory.SeedTenantAsync();
        var b = await factory.SeedTenantAsync();
        await (await b.First.Client.GetAsync($"/api/v1/tenants/{a.Tenant.Value}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await a.First.Client.GetAsync($"/api/v1/tenants/{a.Tenant.Value}")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Users_AdminCreatesOperator_OperatorCannotManageUsers()
    {
        var tenant = await factory.SeedTenantAsync();
        var created = await (await tenant.First.Client.PostJsonAsync("/api/v1/users", new { email = "op@t.test", role = "operator" })).ExpectAsync(HttpStatusCode.Created);
        var userId = created["id"]!.GetValue<string>();
        Assert.Equal("operator", created["role"]!.GetValue<string>());

        await (await tenant.First.Client.PostJsonAsync("/api/v1/users", new { email = "op@t.test" })).ExpectProblemAsync(HttpStatusCode.Conflict);

        var issued = await (await tenant.First.Client.PostJsonAsync("/api/v1/keys", new { name = "ops", user_id = userId })).ExpectAsync(HttpStatusCode.Created);
        var operatorClient = factory.ClientWithKey(issued["key"]!.GetValue<string>());
        await (await operatorClient.PostJsonAsync("/api/v1/users", new { email = "x@t.test" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await operatorClient.PostJsonAsync("/api/v1/keys", new { name = "other", user_id = tenant.First.UserId })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await operatorClient.PostJsonAsync("/api/v1/keys", new { name = "mine" })).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Keys_NarrowerRole_ActsWithLowerRole_WiderRoleRefused_RevokedStopsWorking()
    {
        var tenant = await factory.SeedTenantAsync(AgentFunctions.Access.Role.Operator);
        await (await tenant.First.Client.PostJsonAsync("/api/v1/keys", new { name = "too much", role = "admin" })).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var issued = await (await tenant.First.Client.PostJsonAsync("/api/v1/keys", new { name = "read only", role = "viewer" })).ExpectAsync(HttpStatusCode.Created);
        var viewer = factory.ClientWithKey(issued["key"]!.GetValue<string>());
        await (await viewer.GetAsync("/api/v1/agents")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PostJsonAsync("/api/v1/agents", new { name = "nope" })).ExpectProblemAsync(HttpStatusCode.Forbidden);

        var keyId = issued["api_key"]!["id"]!.GetValue<string>();
        await (await tenant.First.Client.DeleteAsync($"/api/v1/keys/{keyId}")).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.GetAsync("/api/v1/agents")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DisabledUser_KeysStopWorking()
    {
        var tenant = await factory.SeedTenantAsync();
        var other = await tenant.AddUserAsync(AgentFunctions.Access.Role.Operator);
        await (await other.Client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        await (await tenant.First.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/users/{other.UserId}", new { disabled = true })).ExpectAsync(HttpStatusCode.OK);
        await (await other.Client.GetAsync("/api/v1/me")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }
}
