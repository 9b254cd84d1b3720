using System.Net;
using System.Text;
using AgentFunctions.Access;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Agents;

public sealed class AgentsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static object Spec(string name, string scope = "user", string[]? tools = null) => new
    {
        name,
        scope,
        model = "offline",
        system_prompt = "You help.",
        rules = new[] { "Be brief." },
        tools = tools ?? ["builtin.current_time"],
        memory_window = 10,
        limits = new { max_tool_calls_per_turn = 3, max_loops = 4, max_tokens = 5000, max_execution_seconds = 30 },
    };

    [Fact]
    public async Task Update_WithIfMatch_MakesNewVersion_RollbackReactivatesOld()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var created = await client.PostJsonAsync("/api/v1/agents", Spec("v1 agent"));
        var agent = await created.ExpectAsync(HttpStatusCode.Created);
        var id = agent["id"]!.GetValue<string>();
        var etag = created.Headers.ETag!.Tag;

        var updated = await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{id}", new { system_prompt = "You help more." }, etag);
        var v2 = await updated.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, v2["version"]!.GetValue<int>());
        Assert.Equal("v1 agent", v2["spec"]!["name"]!.GetValue<string>());
        Assert.Equal("You help more.", v2["spec"]!["system_prompt"]!.GetValue<string>());

        // The first ETag is stale now.
        await (await client.SendJsonAsync(HttpMethod.Put, $"/api/v1/agents/{id}", Spec("lost update"), etag)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        await (await client.SendJsonAsync(HttpMethod.Put, $"/api/v1/agents/{id}", Spec("no etag"))).ExpectProblemAsync((HttpStatusCode)428);

        var versions = await (await client.GetAsync($"/api/v1/agents/{id}/versions")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, versions["items"]!.AsArray().Count);

        var rolled = await (await client.PostJsonAsync($"/api/v1/agents/{id}/rollback", new { version = 1 })).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, rolled["version"]!.GetValue<int>());
        Assert.Equal(2, rolled["latest_version"]!.GetValue<int>());
        Assert.Equal("You help.", rolled["spec"]!["system_prompt"]!.GetValue<string>());

        var v1 = await (await client.GetAsync($"/api/v1/agents/{id}/versions/1")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("You help.", v1["spec"]!["system_prompt"]!.GetValue<string>());

        // An update after a rollback builds on the active spec and takes the next number.
        var current = await client.GetAsync($"/api/v1/agents/{id}");
        var v3 = await (await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{id}", new { name = "third" }, current.Headers.ETag!.Tag)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, v3["version"]!.GetValue<int>());
        Assert.Equal("You help.", v3["spec"]!["system_prompt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Disable_Enable_Delete_Lifecycle()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var id = (await (await client.PostJsonAsync("/api/v1/agents", Spec("short lived"))).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        var disabled = await (await client.PostAsync($"/api/v1/agents/{id}/disable", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        var enabled = await (await client.PostAsync($"/api/v1/agents/{id}/enable", null)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(enabled["enabled"]!.GetValue<bool>());

        await (await client.DeleteAsync($"/api/v1/agents/{id}")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync($"/api/v1/agents/{id}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await factory.Store.For(tenant.Tenant).QueryAsync("agent_version", [new("agent_id", id)]));
    }

    [Fact]
    public async Task Scope_UserAgentOnlyOwner_TeamAgentWholeTeam()
    {
        var tenant = await factory.SeedTenantAsync();
        var colleague = await tenant.AddUserAsync(Role.Operator);
        var mine = (await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Spec("private"))).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var ours = (await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Spec("shared", scope: "team"))).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        await (await colleague.Client.GetAsync($"/api/v1/agents/{mine}")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await colleague.Client.GetAsync($"/api/v1/agents/{ours}")).ExpectAsync(HttpStatusCode.OK);
        var list = (await (await colleague.Client.GetAsync("/api/v1/agents")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Contains(list, a => a!["id"]!.GetValue<string>() == ours);
        Assert.DoesNotContain(list, a => a!["id"]!.GetValue<string>() == mine);
        await (await colleague.Client.DeleteAsync($"/api/v1/agents/{mine}")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Create_BadInput_GetsProblemsAndStoresNothing()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;

        var invalid = await (await client.PostJsonAsync("/api/v1/agents", new { name = "", tools = new[] { "crm.missing" }, limits = new { max_tool_calls_per_turn = 100, max_loops = 0, max_tokens = 1, max_execution_seconds = 1 } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = invalid["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("tools"));
        Assert.True(errors.ContainsKey("limits.max_loops"));
        Assert.True(errors.ContainsKey("limits.max_tool_calls_per_turn"));

        var unknown = await (await client.PostJsonAsync("/api/v1/agents", "{\"name\":\"x\",\"colour\":\"red\"}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(unknown["errors"]!.AsObject().ContainsKey("$.colour"));

        await (await client.PostJsonAsync("/api/v1/agents", "{\"name\":")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var cased = await (await client.PostJsonAsync("/api/v1/agents", "{\"Name\":\"x\"}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(cased["errors"]!.AsObject().ContainsKey("$.Name"), cased.ToJsonString());
        await (await client.PostJsonAsync("/api/v1/agents", "{\"name\":\"x\",\"scope\":\"planet\"}")).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var plain = new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "text/plain");
        await (await client.PostAsync("/api/v1/agents", plain)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);

        var huge = new StringContent("{\"name\":\"" + new string('a', 200_000) + "\"}", Encoding.UTF8, "application/json");
        await (await client.PostAsync("/api/v1/agents", huge)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Empty(await factory.Store.For(tenant.Tenant).QueryAsync("agent", []));
    }

    [Fact]
    public async Task Create_ByViewer_IsForbidden()
    {
        var tenant = await factory.SeedTenantAsync(Role.Viewer);
        await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Spec("x"))).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Update_ChangingAllowlistToUnknownTool_IsRefusedAndVersionUnchanged()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var created = await client.PostJsonAsync("/api/v1/agents", Spec("tools"));
        var id = (await created.ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        await (await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{id}", new { tools = new[] { "nope.tool" } }, created.Headers.ETag!.Tag))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var agent = await (await client.GetAsync($"/api/v1/agents/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, agent["version"]!.GetValue<int>());
    }
}
