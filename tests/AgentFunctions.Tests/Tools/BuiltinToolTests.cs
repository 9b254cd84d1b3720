using System.Text.Json;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Tools;

public sealed class BuiltinToolTests : IAsyncLifetime
{
    // The platform lists loopback for `host`; `strict` is a deployment that lists no private host.
    private readonly ToolTestHost host = new(o => o.AllowedPrivateHosts = ["127.0.0.0/8"]);
    private readonly ToolTestHost strict = new();
    private LoopbackServer server = null!;

    public async Task InitializeAsync() =>
        server = await LoopbackServer.StartAsync((context, _) =>
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("hello from the page");
        });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await host.DisposeAsync();
        await strict.DisposeAsync();
    }

    [Fact]
    public async Task CurrentTime_NoArguments_ReturnsClockTimeInUtc()
    {
        var result = await host.CallAsync(BuiltinToolNames.CurrentTime);

        Assert.True(result.Succeeded, result.Error);
        using var json = JsonDocument.Parse(result.Content);
        Assert.Equal("2026-03-14T12:00:00.000Z", json.RootElement.GetProperty("utc").GetString());
        Assert.Equal("UTC", json.RootElement.GetProperty("timezone").GetString());
    }

    [Fact]
    public async Task CurrentTime_IanaTimeZone_ReturnsLocalTime()
    {
        var result = await host.CallAsync(BuiltinToolNames.CurrentTime, """{"timezone":"Asia/Tokyo"}""");

        Assert.True(result.Succeeded, result.Error);
        using var json = JsonDocument.Parse(result.Content);
        Assert.Equal("2026-03-14T21:00:00.000+09:00", json.RootElement.GetProperty("local").GetString());
        Assert.Equal("Saturday", json.RootElement.GetProperty("day_of_week").GetString());
    }

    [Fact]
    public async Task CurrentTime_UnknownTimeZone_Fails()
    {
        var result = await host.CallAsync(BuiltinToolNames.CurrentTime, """{"timezone":"Mars/Olympus"}""");

        Assert.False(result.Succeeded);
        Assert.Equal("unknown time zone 'Mars/Olympus'", result.Error);
    }

    [Fact]
    public async Task HttpFetch_WithoutTenantSettings_RefusesEveryHost()
    {
        var result = await host.CallAsync(BuiltinToolNames.HttpFetch, JsonSerializer.Serialize(new { url = new Uri(server.BaseAddress, "/page").ToString() }));

        Assert.False(result.Succeeded);
        Assert.Contains("is not allowed for builtin.http_fetch", result.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task HttpFetch_HostAllowedByTenantSettings_FetchesThePage()
    {
        await host.SaveAsync(Settings(host));

        var result = await host.CallAsync(BuiltinToolNames.HttpFetch, JsonSerializer.Serialize(new { url = new Uri(server.BaseAddress, "/page?q=1").ToString() }));

        Assert.True(result.Succeeded, result.Error);
        using var json = JsonDocument.Parse(result.Content);
        Assert.Equal(200, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("text/plain", json.RootElement.GetProperty("content_type").GetString());
        Assert.Equal("hello from the page", json.RootElement.GetProperty("body").GetString());
        Assert.Equal("/page?q=1", Assert.Single(server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task HttpFetch_AllowedHostNotListedByThePlatform_IsRefusedByTheGuard()
    {
        await strict.SaveAsync(Settings(strict));

        var result = await strict.CallAsync(BuiltinToolNames.HttpFetch, JsonSerializer.Serialize(new { url = new Uri(server.BaseAddress, "/page").ToString() }));

        Assert.False(result.Succeeded);
        Assert.Contains("loopback address", result.Error);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://user:pw@127.0.0.1/")]
    [InlineData("not a url")]
    public async Task HttpFetch_UnusableUrl_Fails(string url)
    {
        await host.SaveAsync(Settings(host));

        var result = await host.CallAsync(BuiltinToolNames.HttpFetch, JsonSerializer.Serialize(new { url }));

        Assert.False(result.Succeeded);
        Assert.Contains("absolute http(s) URL", result.Error);
    }

    private static ToolDefinition Settings(ToolTestHost on) =>
        new(BuiltinToolNames.HttpFetch, on.Tenant, "settings", ToolKind.Builtin, ToolTestHost.Schema("{}"), null,
            new HttpToolSpec("GET", "https://unused.example/", null, null, null, ["127.0.0.1"]),
            null, null, 5, 0, null, [], false, 1, on.Clock.GetUtcNow(), on.Clock.GetUtcNow());
}
