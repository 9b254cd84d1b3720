using System.Text.Json;
using AgentFunctions.Tools;

namespace AgentFunctions.Tests.Tools;

public sealed class McpToolTests : IAsyncLifetime
{
    // The platform lists the loopback test server for `host`; `strict` is a deployment that lists no private host.
    private readonly ToolTestHost host = new(o => o.AllowedPrivateHosts = ["127.0.0.1"]);
    private readonly ToolTestHost strict = new();
    private TestMcpServer mcp = null!;

    public async Task InitializeAsync() => mcp = await TestMcpServer.StartAsync();

    public async Task DisposeAsync()
    {
        await mcp.DisposeAsync();
        await host.DisposeAsync();
        await strict.DisposeAsync();
    }

    private McpToolSpec Server(string? toolName = null, string? credentialId = null) =>
        new(mcp.Endpoint.ToString(), toolName, credentialId, ["127.0.0.1"]);

    [Fact]
    public async Task Resolve_WholeServerEntry_ListsServerToolsAsEntryDotTool()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server()));

        var tools = await host.Catalog.ResolveAsync(host.Tenant, ["crm.hub.*"]);

        Assert.Equal(["crm.hub.search_contacts", "crm.hub.fail"], tools.Select(t => t.Name));
        var search = tools[0];
        Assert.Equal(ToolKind.Mcp, search.Kind);
        Assert.Equal("Search CRM contacts", search.Description);
        Assert.Equal("query", search.InputSchema.GetProperty("required")[0].GetString());
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("bad.name", StringComparison.Ordinal) && e.Message.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains("initialize", mcp.Methods);
        Assert.Contains("tools/list", mcp.Methods);
    }

    [Fact]
    public async Task Resolve_SingleServerToolByName_ReturnsOnlyIt()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server()));

        var tools = await host.Catalog.ResolveAsync(host.Tenant, ["crm.hub.search_contacts", "crm.hub.missing"]);

        Assert.Equal("crm.hub.search_contacts", Assert.Single(tools).Name);
    }

    [Fact]
    public async Task Execute_ServerTool_CallsWithCredentialHeaderAndRedactsResult()
    {
        host.Credentials.With("cred_mcp", "\"mcp-token-123456\"");
        await host.SaveAsync(host.Mcp("crm.hub", Server(credentialId: "cred_mcp"), redact: ["phone"]));

        var result = await host.CallAsync("crm.hub.search_contacts", """{"query":"Ada"}""");

        Assert.True(result.Succeeded, result.Error);
        using var content = JsonDocument.Parse(result.Content);
        Assert.Equal("search_contacts", content.RootElement.GetProperty("tool").GetString());
        Assert.Equal("Ada", content.RootElement.GetProperty("arguments").GetProperty("query").GetString());
        Assert.Equal("[redacted]", content.RootElement.GetProperty("contact").GetProperty("phone").GetString());
        // The server saw the real header; its echo (the whole injected value) is scrubbed before the model sees it.
        Assert.Equal("[redacted]", content.RootElement.GetProperty("authorization").GetString());
        Assert.Contains(mcp.Http.Requests, r => r.Header("Authorization") == "Bearer mcp-token-123456");
        var use = Assert.Single(host.Credentials.Requests);
        Assert.Equal(("cred_mcp", "agt_1", "usr_owner"), (use.CredentialId, use.AgentId, use.AgentOwnerId));
        Assert.Contains("tools/call", mcp.Methods);
        // Nothing logged about the call (the executor's lines, the MCP client's own at any level) carries the token.
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("mcp-token-123456", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_EntryWithToolName_IsCallableUnderEntryId()
    {
        await host.SaveAsync(host.Mcp("crm.search", Server(toolName: "search_contacts")));

        var result = await host.CallAsync("crm.search", """{"query":"Bob"}""");

        Assert.True(result.Succeeded, result.Error);
        Assert.Contains("\"query\":\"Bob\"", result.Content);
    }

    [Fact]
    public async Task Execute_ServerToolReportsError_ReturnsFailedResult()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server()));

        var result = await host.CallAsync("crm.hub.fail");

        Assert.False(result.Succeeded);
        Assert.Equal("upstream CRM is down", result.Error);
    }

    [Fact]
    public async Task Execute_ToolTheServerDoesNotHave_FailsWithTheServerError()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server()));

        var result = await host.CallAsync("crm.hub.delete_everything");

        Assert.False(result.Succeeded);
        Assert.StartsWith("the MCP server answered with an error:", result.Error);
        Assert.Contains("Unknown tool: delete_everything", result.Error);
    }

    [Fact]
    public async Task Execute_ServerToolSlowerThanTimeout_FailsWithTimeout()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server()) with { TimeoutSeconds = 1 });

        var result = await host.CallAsync("crm.hub.slow");

        Assert.False(result.Succeeded);
        Assert.Equal("tool 'crm.hub.slow' timed out after 1 s", result.Error);
    }

    [Fact]
    public async Task Execute_LoopbackServerNotListedByThePlatform_IsRefusedBeforeConnecting()
    {
        await strict.SaveAsync(strict.Mcp("crm.hub", Server()));

        var result = await strict.CallAsync("crm.hub.search_contacts", """{"query":"Ada"}""");
        var tools = await strict.Catalog.ResolveAsync(strict.Tenant, ["crm.hub.*"]);

        Assert.False(result.Succeeded);
        Assert.Contains("loopback address", result.Error);
        Assert.Empty(tools);
        Assert.Empty(mcp.Http.Requests);
    }

    [Fact]
    public async Task Execute_ServerHostNotAllowlisted_IsRefused()
    {
        await host.SaveAsync(host.Mcp("crm.hub", Server() with { AllowedHosts = ["mcp.partner.example"] }));

        var result = await host.CallAsync("crm.hub.search_contacts", """{"query":"Ada"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("not in the tool's allowed hosts", result.Error);
        Assert.Empty(mcp.Http.Requests);
    }
}
