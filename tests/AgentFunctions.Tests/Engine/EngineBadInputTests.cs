using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Engine;

/// <summary>
/// Bad requests on the engine routes found by the new-user pass: each is a problem+json naming the field the caller
/// sent, and none of them starts a run (no run record, no tool call).
/// </summary>
public sealed class EngineBadInputTests : IAsyncLifetime
{
    private const string SideEffect = "side effect\n/call test.echo {\"text\":\"must not run\"}";

    private readonly RecordingToolExecutor tools = new();
    private PlatformFactory factory = null!;

    public Task InitializeAsync()
    {
        factory = EngineTestHost.Create(tools);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        factory.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(121)]
    public async Task Execute_WaitSecondsOutOfRange_Is400AndStartsNoRun(int waitSeconds)
    {
        var (tenant, agentId) = await SeedAsync();

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = SideEffect, wait_seconds = waitSeconds });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "wait_seconds");
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Run>());
        Assert.Equal(0, tools.TotalExecutions);
    }

    [Fact]
    public async Task SendMessage_WaitSecondsOutOfRange_Is400AndStartsNoRun()
    {
        var (tenant, agentId) = await SeedAsync();
        var sessionId = await CreateSessionAsync(tenant.First.Client, agentId);

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/sessions/{sessionId}/messages",
            new { content = SideEffect, wait_seconds = -1 });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "wait_seconds");
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Run>());
        Assert.Equal(0, tools.TotalExecutions);
    }

    [Fact]
    public async Task SendMessage_MissingContent_Is400NamingContentNotInput()
    {
        var (tenant, agentId) = await SeedAsync();
        var sessionId = await CreateSessionAsync(tenant.First.Client, agentId);

        var response = await tenant.First.Client.PostAsync($"/api/v1/agents/{agentId}/sessions/{sessionId}/messages",
            new StringContent("{}", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "content");
        Assert.False(problem.GetProperty("errors").TryGetProperty("input", out _), problem.ToString());
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Run>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ses bad/id")]
    public async Task Execute_MalformedSessionId_Is400NamingSessionId(string sessionId)
    {
        var (tenant, agentId) = await SeedAsync();

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = "hi", session_id = sessionId });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "session_id");
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Run>());
    }

    [Fact]
    public async Task Execute_DuplicateField_Is400AndStartsNoRun()
    {
        var (tenant, agentId) = await SeedAsync();

        var response = await tenant.First.Client.PostAsync($"/api/v1/agents/{agentId}/execute",
            new StringContent("{\"input\":\"harmless\",\"input\":" + JsonSerializer.Serialize(SideEffect) + "}", Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "$.input");
        Assert.Contains("more than once", problem.GetProperty("errors").GetProperty("$.input")[0].GetString());
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Run>());
        Assert.Equal(0, tools.TotalExecutions);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), text);
        return problem;
    }

    private static async Task<string> CreateSessionAsync(HttpClient client, string agentId)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/sessions", new { title = "t" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<(SeededTenant Tenant, string AgentId)> SeedAsync()
    {
        var tenant = await factory.SeedTenantAsync(Role.Operator);
        var now = DateTimeOffset.UtcNow;
        var spec = new AgentSpec("Helper", null, AgentScope.User, "offline", "You help.", [],
            [FakeToolCatalog.Clock, FakeToolCatalog.Echo], KnowledgeSettings.Off, 10, AgentLimits.Default);
        var agent = new Agent(Ids.New("agt", 12), tenant.Tenant, tenant.First.UserId, tenant.TeamId, true, 1, 1, spec, now, now);
        await factory.Store.For(tenant.Tenant).CreateAsync(agent);
        return (tenant, agent.Id);
    }
}
