using AgentFunctions.Tools;

namespace AgentFunctions.Tests.Tools;

public sealed class ToolCatalogTests : IAsyncLifetime
{
    private readonly ToolTestHost host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Resolve_MixedAllowlist_ReturnsBuiltinsRegistryToolsAndAgentTools()
    {
        await host.SaveAsync(host.Http("crm.get_contact", new HttpToolSpec("GET", "https://crm.example/contacts/{id}", null, null, null, ["crm.example"])) with
        {
            RequiresApproval = true,
        });
        await host.SaveAsync(host.Http("team.researcher", null!) with { ToolKind = ToolKind.Agent, Http = null, Agent = new AgentToolSpec("agt_research") });

        var tools = await host.Catalog.ResolveAsync(host.Tenant,
            [BuiltinToolNames.CurrentTime, "crm.get_contact", "team.researcher", "crm.unknown", BuiltinToolNames.CurrentTime]);

        Assert.Equal([BuiltinToolNames.CurrentTime, "crm.get_contact", "team.researcher"], tools.Select(t => t.Name));
        Assert.Equal(ToolKind.Builtin, tools[0].Kind);
        Assert.Equal("object", tools[0].InputSchema.GetProperty("type").GetString());
        Assert.True(tools[1].RequiresApproval);
        Assert.Equal(ToolKind.Http, tools[1].Kind);
        Assert.Equal(ToolKind.Agent, tools[2].Kind);
        Assert.Equal("agt_research", tools[2].AgentId);
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("crm.unknown", StringComparison.Ordinal) && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Resolve_BuiltinWithTenantSettings_TakesItsApprovalFlag()
    {
        await host.SaveAsync(host.Http(BuiltinToolNames.HttpFetch, new HttpToolSpec("GET", "https://x.example/", null, null, null, ["x.example"])) with
        {
            ToolKind = ToolKind.Builtin,
            RequiresApproval = true,
        });

        var tools = await host.Catalog.ResolveAsync(host.Tenant, [BuiltinToolNames.HttpFetch]);

        Assert.True(Assert.Single(tools).RequiresApproval);
    }

    [Fact]
    public async Task Execute_AgentTool_IsNotRunByTheExecutor()
    {
        await host.SaveAsync(host.Http("team.researcher", null!) with { ToolKind = ToolKind.Agent, Http = null, Agent = new AgentToolSpec("agt_research") });

        var result = await host.CallAsync("team.researcher", """{"input":"x"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("runs as a sub-orchestration", result.Error);
    }
}
