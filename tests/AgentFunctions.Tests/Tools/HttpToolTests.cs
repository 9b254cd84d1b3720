using System.Text.Json;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Tools;

public sealed class HttpToolTests : IAsyncLifetime
{
    // The platform setting lists the loopback test server; `strict` is a deployment that lists no private host.
    private readonly ToolTestHost host = new(o =>
    {
        o.MaxResponseBytes = 4096;
        o.AllowedPrivateHosts = ["127.0.0.1"];
    });
    private readonly ToolTestHost strict = new(o => o.MaxResponseBytes = 4096);
    private LoopbackServer server = null!;
    private readonly Queue<(int Status, string Body)> script = new();

    public async Task InitializeAsync()
    {
        server = await LoopbackServer.StartAsync(async (context, request) =>
        {
            if (request.PathAndQuery.StartsWith("/hang", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }
            if (request.PathAndQuery.StartsWith("/redirect", StringComparison.Ordinal))
            {
                context.Response.Redirect("http://169.254.169.254/latest/meta-data/");
                return;
            }
            if (request.PathAndQuery.StartsWith("/big", StringComparison.Ordinal))
            {
                // No Content-Length: the cap must hold while streaming, not just on the header.
                for (var i = 0; i < 10; i++) await context.Response.WriteAsync(new string('x', 1000));
                return;
            }
            var (status, body) = script.Count > 0 ? script.Dequeue() : (200, """{"ok":true}""");
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body.Replace("$AUTH", request.Header("Authorization") ?? "", StringComparison.Ordinal));
        });
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await host.DisposeAsync();
        await strict.DisposeAsync();
    }

    private HttpToolSpec Spec(string template, string method = "GET", IReadOnlyList<string>? hosts = null, string? credentialId = null, CredentialPlacement? placement = null) =>
        new(method, template.Replace("$BASE", server.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal), new Dictionary<string, string> { ["X-Static"] = "yes" },
            credentialId, placement, hosts ?? ["127.0.0.1"]);

    [Fact]
    public async Task Execute_LoopbackServerListedByThePlatform_FillsTemplateEscapedAndReturnsBody()
    {
        await host.SaveAsync(host.Http("crm.get_item", Spec("$BASE/items/{id}/notes")));

        var result = await host.CallAsync("crm.get_item", """{"id":"a/b c?x","limit":5,"tag":["x","y"]}""");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("""{"ok":true}""", result.Content);
        var request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/items/a%2Fb%20c%3Fx/notes?limit=5&tag=x&tag=y", request.PathAndQuery);
        Assert.Null(request.Header("Idempotency-Key"));
        Assert.Equal("yes", request.Header("X-Static"));
    }

    [Fact]
    public async Task Execute_SameLoopbackUrlWithoutThePlatformSetting_IsRefusedBeforeAnyRequest()
    {
        await strict.SaveAsync(strict.Http("crm.get_item", Spec("$BASE/items/{id}")));

        var result = await strict.CallAsync("crm.get_item", """{"id":"1"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("loopback address", result.Error);
        Assert.Contains("AgentFunctions:Network:AllowedPrivateHosts", result.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Execute_PublicLookingNameResolvingToPrivateIp_IsRefused()
    {
        strict.Resolver.Map("api.partner.example", "127.0.0.1");
        await strict.SaveAsync(strict.Http("crm.get_item", Spec($"http://api.partner.example:{server.Port}/items/{{id}}", hosts: ["api.partner.example"])));

        var result = await strict.CallAsync("crm.get_item", """{"id":"1"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("'api.partner.example' is not allowed: loopback address", result.Error);
        Assert.Empty(server.Requests);
        Assert.Contains("api.partner.example", strict.Resolver.Lookups);
    }

    [Fact]
    public async Task Execute_NameResolvingToAListedPrivateIp_ConnectsToTheCheckedAddress()
    {
        host.Resolver.Map("crm.internal.example", "127.0.0.1");
        await host.SaveAsync(host.Http("crm.get_item", Spec($"http://crm.internal.example:{server.Port}/items/{{id}}", hosts: ["*.internal.example"])));

        var result = await host.CallAsync("crm.get_item", """{"id":"7"}""");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal($"crm.internal.example:{server.Port}", Assert.Single(server.Requests).Header("Host"));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/{id}", "169.254.169.254")]
    [InlineData("http://[fd00:ec2::254]/latest/{id}", "[fd00:ec2::254]")]
    [InlineData("http://10.1.2.3/{id}", "10.1.2.3")]
    [InlineData("http://0.0.0.0/{id}", "0.0.0.0")]
    public async Task Execute_LiteralInternalAddress_IsRefusedEvenIfAllowlisted(string template, string hostName)
    {
        await host.SaveAsync(host.Http("net.probe", Spec(template, hosts: [hostName])));

        var result = await host.CallAsync("net.probe", """{"id":"x"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("is not allowed", result.Error);
    }

    [Fact]
    public async Task Execute_HostNotInAllowlist_IsRefused()
    {
        await host.SaveAsync(host.Http("crm.get_item", Spec("$BASE/items/{id}", hosts: ["api.partner.example"])));

        var result = await host.CallAsync("crm.get_item", """{"id":"1"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("not in the tool's allowed hosts", result.Error);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("http://{host}/items")]
    [InlineData("http://127.0.0.1:{port}/items")]
    public async Task Execute_TemplateTakingHostFromArguments_IsRefused(string template)
    {
        await host.SaveAsync(host.Http("crm.evil", Spec(template)));

        var result = await host.CallAsync("crm.evil", """{"host":"169.254.169.254","port":"80"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("may not take its host", result.Error);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public async Task Execute_DotSegmentArgument_IsRefused(string id)
    {
        await host.SaveAsync(host.Http("crm.get_item", Spec("$BASE/items/{id}/x")));

        var result = await host.CallAsync("crm.get_item", JsonSerializer.Serialize(new { id }));

        Assert.False(result.Succeeded);
        Assert.Contains("not a valid path segment", result.Error);
    }

    [Fact]
    public async Task Execute_CredentialPlacement_InjectsHeaderAtUseAndScrubsEcho()
    {
        host.Credentials.With("cred_crm", """{"access_token":"s3cr3t-token-value","user":"bot"}""");
        script.Enqueue((200, """{"echo":"$AUTH"}"""));
        await host.SaveAsync(host.Http("crm.create", Spec("$BASE/contacts", method: "POST", credentialId: "cred_crm",
            placement: new CredentialPlacement("Authorization", "Bearer {token}", "access_token"))));

        var result = await host.CallAsync("crm.create", """{"name":"Ada","tags":["vip"]}""");

        Assert.True(result.Succeeded, result.Error);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer s3cr3t-token-value", request.Header("Authorization"));
        Assert.Equal("run_1:call_1", request.Header("Idempotency-Key"));
        Assert.Equal("""{"name":"Ada","tags":["vip"]}""", request.Body);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var use = Assert.Single(host.Credentials.Requests);
        Assert.Equal(host.Tenant, use.Tenant);
        Assert.Equal("cred_crm", use.CredentialId);
        Assert.Equal("agt_1", use.AgentId);
        Assert.Equal("usr_owner", use.AgentOwnerId);
        Assert.Equal("run_1", use.RunId);
        Assert.Equal("tool:crm.create", use.Purpose);
        Assert.DoesNotContain("s3cr3t-token-value", result.Content);
        Assert.DoesNotContain("s3cr3t-token-value", host.Logs.AllText);
    }

    [Fact]
    public async Task Execute_CredentialRefused_FailsWithoutCallingTheTool()
    {
        host.Credentials.RefuseWith = "the credential belongs to another user";
        await host.SaveAsync(host.Http("crm.create", Spec("$BASE/contacts", method: "POST", credentialId: "cred_other",
            placement: new CredentialPlacement("X-Api-Key", null, null))));

        var result = await host.CallAsync("crm.create", """{"name":"Ada"}""");

        Assert.False(result.Succeeded);
        Assert.Contains("credential may not be used: the credential belongs to another user", result.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Execute_RedactFields_HiddenInResultAndLogs()
    {
        script.Enqueue((200, """{"customer":{"name":"Ada","ssn":"078-05-1120"},"items":[{"card_number":"4111111111111111"}]}"""));
        await host.SaveAsync(host.Http("crm.lookup", Spec("$BASE/customers", method: "POST"), redact: ["ssn", "card_number", "password"]));

        var result = await host.CallAsync("crm.lookup", """{"login":"ada","password":"hunter2-secret"}""");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("""{"customer":{"name":"Ada","ssn":"[redacted]"},"items":[{"card_number":"[redacted]"}]}""", result.Content);
        Assert.Contains("\"password\":\"hunter2-secret\"", Assert.Single(server.Requests).Body);
        var logs = host.Logs.AllText;
        Assert.Contains("crm.lookup", logs);
        Assert.Contains("\"password\":\"[redacted]\"", logs);
        Assert.DoesNotContain("hunter2-secret", logs);
        Assert.DoesNotContain("078-05-1120", logs);
    }

    [Fact]
    public async Task Execute_IdempotentGetOn503_RetriesThenSucceeds()
    {
        script.Enqueue((503, "busy"));
        script.Enqueue((502, "busy"));
        script.Enqueue((200, """{"ok":1}"""));
        await host.SaveAsync(host.Http("crm.list", Spec("$BASE/items"), retries: 2));

        var result = await host.CallAsync("crm.list");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, server.Requests.Count);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    public async Task Execute_NonIdempotentMethodOn503_IsNotRetried(string method)
    {
        script.Enqueue((503, "busy"));
        script.Enqueue((200, """{"ok":1}"""));
        await host.SaveAsync(host.Http("crm.write", Spec("$BASE/items", method: method), retries: 3));

        var result = await host.CallAsync("crm.write", """{"a":1}""");

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.Attempts);
        Assert.StartsWith("HTTP 503", result.Error);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Execute_ResponseOverSizeCap_Fails()
    {
        await host.SaveAsync(host.Http("web.big", Spec("$BASE/big")));

        var result = await host.CallAsync("web.big");

        Assert.False(result.Succeeded);
        Assert.Contains("larger than the 4096 byte limit", result.Error);
    }

    [Fact]
    public async Task Execute_ToolSlowerThanItsTimeout_FailsWithTimeout()
    {
        await host.SaveAsync(host.Http("web.slow", Spec("$BASE/hang"), timeoutSeconds: 1));

        var result = await host.CallAsync("web.slow");

        Assert.False(result.Succeeded);
        Assert.Equal("tool 'web.slow' timed out after 1 s", result.Error);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Execute_RedirectToMetadata_IsNotFollowed()
    {
        await host.SaveAsync(host.Http("web.moved", Spec("$BASE/redirect")));

        var result = await host.CallAsync("web.moved");

        Assert.False(result.Succeeded);
        Assert.Contains("redirect, which is not followed", result.Error);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Execute_RateLimitPerMinute_RefusesExtraCallsUntilTheWindowMoves()
    {
        await host.SaveAsync(host.Http("crm.list", Spec("$BASE/items"), ratePerMinute: 2));

        var first = await host.CallAsync("crm.list");
        var second = await host.CallAsync("crm.list");
        var third = await host.CallAsync("crm.list");
        host.Clock.Advance(TimeSpan.FromSeconds(61));
        var fourth = await host.CallAsync("crm.list");

        Assert.True(first.Succeeded && second.Succeeded && fourth.Succeeded);
        Assert.False(third.Succeeded);
        Assert.Contains("rate limited to 2 calls per minute", third.Error);
        Assert.Equal(3, server.Requests.Count);
    }

    [Theory]
    [InlineData("Host")]
    [InlineData("transfer-encoding")]
    public async Task Execute_SpecSettingConnectionHeader_IsRefused(string header)
    {
        var spec = Spec("$BASE/items") with { Headers = new Dictionary<string, string> { [header] = "169.254.169.254" } };
        await host.SaveAsync(host.Http("crm.list", spec));

        var result = await host.CallAsync("crm.list");

        Assert.False(result.Succeeded);
        Assert.Contains("is set by the platform", result.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Execute_UnknownTool_FailsWithoutThrowing()
    {
        var result = await host.CallAsync("crm.nope");

        Assert.False(result.Succeeded);
        Assert.Equal("tool 'crm.nope' is not available", result.Error);
    }
}
