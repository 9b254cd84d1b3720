using System.Net;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Tools;

public sealed class ToolRegistryApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static object HttpTool(string name, object? schema = null, string url = "https://api.example.com/v1/contacts/{id}", string? credentialId = null) => new
    {
        name,
        description = "Looks up a contact",
        kind = "http",
        input_schema = schema ?? new { type = "object", properties = new { id = new { type = "string" } }, required = new[] { "id" } },
        http = credentialId is null
            ? (object)new { method = "get", url_template = url, allowed_hosts = new[] { "api.example.com" } }
            : new { method = "get", url_template = url, allowed_hosts = new[] { "api.example.com" }, credential_id = credentialId, credential_placement = new { header = "Authorization", format = "Bearer {token}", field = "token" } },
        timeout_seconds = 10,
        retries = 2,
        redact_fields = new[] { "email" },
    };

    [Fact]
    public async Task Register_ValidHttpTool_CanBeUsedByAgentAndNotDeletedWhileUsed()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var credentialId = await CredentialAsync(tenant);
        var tool = await (await client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.get_contact", credentialId: credentialId))).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("GET", tool["http"]!["method"]!.GetValue<string>());
        Assert.Equal(credentialId, tool["http"]!["credential_id"]!.GetValue<string>());
        Assert.Equal("http", tool["kind"]!.GetValue<string>());

        await (await client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.get_contact"))).ExpectProblemAsync(HttpStatusCode.Conflict);

        var agent = await (await client.PostJsonAsync("/api/v1/agents", new { name = "crm", tools = new[] { "crm.get_contact", "builtin.current_time" } })).ExpectAsync(HttpStatusCode.Created);
        await (await client.DeleteAsync("/api/v1/tools/crm.get_contact")).ExpectProblemAsync(HttpStatusCode.Conflict);

        await (await client.DeleteAsync($"/api/v1/agents/{agent["id"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.DeleteAsync("/api/v1/tools/crm.get_contact")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/api/v1/tools/crm.get_contact")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"type\":\"string\"}", "input_schema")]
    [InlineData("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"strnig\"}}}", "input_schema.properties.a.type")]
    [InlineData("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"b\"]}", "input_schema.required")]
    [InlineData("{\"type\":\"object\",\"properties\":[]}", "input_schema.properties")]
    [InlineData("[1,2]", "input_schema")]
    public async Task Register_InvalidSchema_IsRefusedWithField(string schema, string field)
    {
        var tenant = await factory.SeedTenantAsync();
        var body = HttpTool("crm.bad", System.Text.Json.JsonDocument.Parse(schema).RootElement);
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.bad")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("https://{host}/v1", "http.url_template")]
    [InlineData("ftp://api.example.com/x", "http.url_template")]
    [InlineData("https://other.example.com/x", "http.allowed_hosts")]
    public async Task Register_UnsafeUrl_IsRefused(string url, string field)
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.url", url: url))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
    }

    [Fact]
    public async Task Register_BadNamesAndSecretsInHeaders_AreRefused()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        await (await client.PostJsonAsync("/api/v1/tools/register", HttpTool("nonamespace"))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync("/api/v1/tools/register", HttpTool("builtin.sneaky"))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync("/api/v1/tools/register", HttpTool("Crm.Upper"))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var withSecret = new
        {
            name = "crm.secret",
            description = "x",
            kind = "http",
            input_schema = new { type = "object" },
            http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" }, headers = new Dictionary<string, string> { ["Authorization"] = "Bearer sk-live" } },
        };
        var problem = await (await client.PostJsonAsync("/api/v1/tools/register", withSecret)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.DoesNotContain("sk-live", problem.ToJsonString());
    }

    [Theory]
    [InlineData("{\"X-Thing\":null}", "http.headers.X-Thing")]
    [InlineData("{\"X-Thing\":\"a\\r\\nInjected: 1\"}", "http.headers.X-Thing")]
    [InlineData("{\"Bad Name\":\"v\"}", "http.headers")]
    [InlineData("{\"\":\"v\"}", "http.headers")]
    public async Task Register_HeaderThatCouldNeverBeSent_IsRefusedAndNotStored(string headers, string field)
    {
        // Found trying it as a new user: these were stored, then every call of the tool failed at run time.
        var tenant = await factory.SeedTenantAsync();
        var body = new
        {
            name = "crm.headers",
            description = "x",
            kind = "http",
            input_schema = new { type = "object" },
            http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" }, headers = System.Text.Json.JsonDocument.Parse(headers).RootElement },
        };
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.headers")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Replace_WithIfMatch_BumpsVersion_StaleIsRefused()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var created = await client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.v"));
        await created.ExpectAsync(HttpStatusCode.Created);
        var etag = created.Headers.ETag!.Tag;
        var missing = await (await client.SendJsonAsync(HttpMethod.Put, "/api/v1/tools/crm.v", HttpTool("crm.v", credentialId: "cred_00000000000000000000"), etag)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(missing["errors"]!.AsObject().ContainsKey("http.credential_id"), missing.ToJsonString());
        var replaced = await (await client.SendJsonAsync(HttpMethod.Put, "/api/v1/tools/crm.v", HttpTool("crm.v"), etag)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, replaced["version"]!.GetValue<int>());
        await (await client.SendJsonAsync(HttpMethod.Put, "/api/v1/tools/crm.v", HttpTool("crm.v"), etag)).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Register_CredentialIdNotInTheTenant_Is400NamingTheField()
    {
        var tenant = await factory.SeedTenantAsync();
        var elsewhere = await factory.SeedTenantAsync();
        var foreign = await CredentialAsync(elsewhere);
        foreach (var id in new[] { "cred_00000000000000000000", foreign, "cred_123" })
        {
            var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.cred", credentialId: id))).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]!.AsObject().ContainsKey("http.credential_id"), problem.ToJsonString());
        }
        var mcp = new
        {
            name = "crm.hub", description = "CRM over MCP", kind = "mcp", input_schema = new { type = "object" },
            mcp = new { server_url = "https://mcp.example.com/mcp", allowed_hosts = new[] { "mcp.example.com" }, credential_id = foreign },
        };
        var mcpProblem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", mcp)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(mcpProblem["errors"]!.AsObject().ContainsKey("mcp.credential_id"), mcpProblem.ToJsonString());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.cred")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.hub")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("mcp")]
    public async Task Register_AllowPrivateNetworkFlag_IsRefusedAsUnknown(string kind)
    {
        var tenant = await factory.SeedTenantAsync();
        object body = kind == "http"
            ? new
            {
                name = "net.private", description = "x", kind, input_schema = new { type = "object" },
                http = new { method = "GET", url_template = "http://10.0.0.5/x", allowed_hosts = new[] { "10.0.0.5" }, allow_private_network = true },
            }
            : new
            {
                name = "net.private", description = "x", kind, input_schema = new { type = "object" },
                mcp = new { server_url = "http://10.0.0.5/mcp", allowed_hosts = new[] { "10.0.0.5" }, allow_private_network = true },
            };

        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("allow_private_network", problem.ToJsonString());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/net.private")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<string> CredentialAsync(SeededTenant tenant)
    {
        var created = await (await tenant.First.Client.PostJsonAsync($"/api/v1/tenants/{tenant.Tenant.Value}/credentials",
            new { meta = new { system = "crm" }, credentials = new { token = "tok-" + Guid.NewGuid().ToString("N") }, allowed_hosts = new[] { "api.example.com" } })).ExpectAsync(HttpStatusCode.Created);
        return created["credential_id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Register_AgentTool_MustNameAnAgentOfTheTenant()
    {
        var a = await factory.SeedTenantAsync();
        var b = await factory.SeedTenantAsync();
        var agentOfB = (await (await b.First.Client.PostJsonAsync("/api/v1/agents", new { name = "b" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var tool = new { name = "team.helper", description = "asks another agent", kind = "agent", input_schema = new { type = "object" }, agent = new { agent_id = agentOfB } };
        await (await a.First.Client.PostJsonAsync("/api/v1/tools/register", tool)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await b.First.Client.PostJsonAsync("/api/v1/tools/register", tool)).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Register_BuiltinSettings_OnlyForKnownBuiltins()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var settings = new { name = "builtin.http_fetch", kind = "builtin", http = new { allowed_hosts = new[] { "docs.example.com" } } };
        var created = await (await client.PostJsonAsync("/api/v1/tools/register", settings)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("builtin", created["kind"]!.GetValue<string>());
        Assert.Equal("docs.example.com", created["http"]!["allowed_hosts"]![0]!.GetValue<string>());

        await (await client.PostJsonAsync("/api/v1/tools/register", new { name = "builtin.teleport", kind = "builtin" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync("/api/v1/tools/register", new { name = "crm.fake", kind = "builtin" })).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Allowlist_MayNameToolsOfWholeServerMcpEntry()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var entry = new
        {
            name = "crm.hub",
            description = "The CRM's MCP server",
            kind = "mcp",
            input_schema = new { type = "object" },
            mcp = new { server_url = "https://mcp.example.com/mcp", allowed_hosts = new[] { "mcp.example.com" } },
        };
        await (await client.PostJsonAsync("/api/v1/tools/register", entry)).ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync("/api/v1/agents", new { name = "mcp user", tools = new[] { "crm.hub.search_contacts", "crm.hub.*" } })).ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync("/api/v1/agents", new { name = "bad", tools = new[] { "crm.nohub.search" } })).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }
}
