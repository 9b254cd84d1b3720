using System.Net;
using System.Net.Http.Headers;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Tools;

/// <summary>
/// The private hosts tools may reach are the deployment's setting: the local host defaults to loopback and says so at
/// start; a configured list replaces the default (so loopback is then refused), and an empty value means none.
/// </summary>
public sealed class PrivateNetworkSettingTests
{
    [Fact]
    public async Task LocalHost_WithoutTheSetting_AllowsLoopbackAndLogsItAtStart()
    {
        using var factory = new PlatformFactory();
        var logsBefore = CapturedLogs.Count;
        await factory.SeedTenantAsync();

        var allowlist = factory.Services.GetRequiredService<PrivateNetworkAllowlist>();

        Assert.Equal(["127.0.0.0/8", "::1"], allowlist.Entries);
        Assert.Contains(CapturedLogs.Snapshot().Skip(logsBefore), l => l.Contains("Tools may reach these private hosts: 127.0.0.0/8, ::1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.20.0.0/16", new[] { "10.20.0.0/16" })]
    [InlineData("", new string[0])]
    public async Task LocalHost_WithTheSetting_ReplacesTheDefaultAndRefusesLoopbackToolCalls(string setting, string[] expected)
    {
        await using var server = await LoopbackServer.StartAsync((context, _) => context.Response.WriteAsync("{\"ok\":true}"));
        using var baseFactory = new PlatformFactory();
        using var factory = baseFactory.WithWebHostBuilder(b => b.UseSetting(PrivateNetworkAllowlist.SettingName, setting));
        var tenant = await SeedAsync(factory);

        Assert.Equal(expected, factory.Services.GetRequiredService<PrivateNetworkAllowlist>().Entries);
        await (await tenant.PostJsonAsync("/api/v1/tools/register", new
        {
            name = "net.loop", description = "A loopback service", kind = "http", input_schema = new { type = "object" },
            http = new { method = "GET", url_template = $"http://127.0.0.1:{server.Port}/x", allowed_hosts = new[] { "127.0.0.1" } },
        })).ExpectAsync(HttpStatusCode.Created);
        var agent = await (await tenant.PostJsonAsync("/api/v1/agents", new { name = "loop", model = "offline", tools = new[] { "net.loop" } })).ExpectAsync(HttpStatusCode.Created);

        var run = await (await tenant.PostJsonAsync($"/api/v1/agents/{agent["id"]!.GetValue<string>()}/execute", new { input = "/call net.loop {}" })).ExpectAsync(HttpStatusCode.OK);

        var call = run["tool_calls"]![0]!;
        Assert.Equal("failed", call["outcome"]!.GetValue<string>());
        Assert.Contains("loopback address", call["error"]!.GetValue<string>());
        Assert.Empty(server.Requests);
    }

    /// <summary>A tenant admin's client on the configured host, seeded through that host's own store.</summary>
    private static async Task<HttpClient> SeedAsync(WebApplicationFactory<Program> factory)
    {
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var tenant = new TenantId(Ids.New("ten", 12));
        var now = DateTimeOffset.UtcNow;
        var teamId = Ids.New("team", 12);
        var userId = Ids.New("usr", 12);
        var documents = store.For(tenant);
        await documents.CreateAsync(new Tenant(tenant.Value, tenant, "Seeded", "free", null, teamId, now));
        await documents.CreateAsync(new Team(teamId, tenant, "Default", now));
        await documents.CreateAsync(new User(userId, tenant, userId + "@example.test", null, Role.Admin, [teamId], false, now));
        var token = ApiKeyToken.Issue(tenant);
        await documents.CreateAsync(new ApiKey(token.KeyId, tenant, userId, "seeded", token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), null, now, null, null));
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.ToString());
        return client;
    }
}
