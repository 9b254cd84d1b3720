using System.Net;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Tools;

/// <summary>
/// <c>GET /api/v1/tools/{toolName}/listed-tools</c>: what an agent allowlisting the entry gets. A whole-server MCP entry
/// lists its server's tools (the loopback test server, which the deployment allows as a private host), paged; any
/// other entry lists itself.
/// </summary>
public sealed class ListedToolsApiTests : IAsyncLifetime
{
    private TestMcpServer mcp = null!;
    private PlatformFactory factory = null!;

    public async Task InitializeAsync()
    {
        mcp = await TestMcpServer.StartAsync();
        factory = new PlatformFactory
        {
            ConfigureTestServices = services =>
            {
                var options = new ToolExecutionOptions { AllowedPrivateHosts = ["127.0.0.1"] };
                services.AddSingleton(options);
                services.AddSingleton(new PrivateNetworkAllowlist(options.AllowedPrivateHosts));
            },
        };
    }

    public async Task DisposeAsync()
    {
        factory.Dispose();
        await mcp.DisposeAsync();
    }

    [Fact]
    public async Task WholeServerMcpEntry_ListsTheServersTools_WithTheirSchemas_Paged()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        await (await client.PostJsonAsync("/api/v1/tools/register", new
        {
            name = "crm.hub", description = "CRM over MCP", kind = "mcp", input_schema = new { type = "object" },
            mcp = new { server_url = mcp.Endpoint.ToString(), allowed_hosts = new[] { "127.0.0.1" } },
        })).ExpectAsync(HttpStatusCode.Created);

        var first = await (await client.GetAsync("/api/v1/tools/crm.hub/listed-tools?limit=1")).ExpectAsync(HttpStatusCode.OK);
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = await (await client.GetAsync($"/api/v1/tools/crm.hub/listed-tools?limit=1&cursor={Uri.EscapeDataString(cursor)}")).ExpectAsync(HttpStatusCode.OK);

        var search = Assert.Single(first["items"]!.AsArray())!;
        Assert.Equal("crm.hub.search_contacts", search["name"]!.GetValue<string>());
        Assert.Equal("mcp", search["kind"]!.GetValue<string>());
        Assert.Equal("query", search["input_schema"]!["required"]![0]!.GetValue<string>());
        Assert.Equal("crm.hub.fail", Assert.Single(second["items"]!.AsArray())!["name"]!.GetValue<string>());
        Assert.Null(second["next_cursor"]);
        Assert.Contains("tools/list", mcp.Methods);
    }

    [Fact]
    public async Task HttpEntry_ListsItself_AndAnUnknownEntryIs404()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        await (await client.PostJsonAsync("/api/v1/tools/register", new
        {
            name = "crm.lookup", description = "Look up", kind = "http", input_schema = new { type = "object" },
            http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } },
        })).ExpectAsync(HttpStatusCode.Created);

        var listed = await (await client.GetAsync("/api/v1/tools/crm.lookup/listed-tools")).ExpectAsync(HttpStatusCode.OK);
        var missing = await client.GetAsync("/api/v1/tools/crm.nothing/listed-tools");

        Assert.Equal("crm.lookup", Assert.Single(listed["items"]!.AsArray())!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }
}
