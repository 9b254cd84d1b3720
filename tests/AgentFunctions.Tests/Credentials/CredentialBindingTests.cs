using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Http;
using static AgentFunctions.Tests.Credentials.CredentialsHttp;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// A credential goes only where it allows (allowed_hosts, checked by the engine at the moment of use and audited), and
/// once injected its values are scrubbed from everything recorded about the call, in every encoding a tool may echo.
/// Real local host: file store, vault, local runner, offline scripted model, tools over loopback.
/// </summary>
public sealed class CredentialBindingTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Run_ToolEchoingTheSecretInManyEncodings_LeavesNoFormOfItInRunToolExecutionsOrLogs()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var client = tenant.First.Client;
        // Characters that URL-encoding, JSON escaping and base64 each change.
        var token = SecretRegistry.New("echo-token") + "/+=~&";
        var other = SecretRegistry.New("echo-client-secret");
        await using var server = await LoopbackServer.StartAsync(async (context, request) =>
        {
            var echoed = (request.Header("Authorization") ?? "").Replace("Bearer ", "", StringComparison.Ordinal);
            context.Response.ContentType = "application/json";
            context.Response.StatusCode = request.PathAndQuery.StartsWith("/fail", StringComparison.Ordinal) ? 500 : 200;
            await context.Response.WriteAsync(JsonSerializer.Serialize(Echoes(echoed, other)));
        });
        var credentialId = (await CreateAsync(client, tenant.Tenant, new
        {
            meta = new { system = "echo" },
            credentials = new { token, client_secret = other, region = "eu" },
            allowed_hosts = new[] { "127.0.0.1" },
        })).CredentialId;
        foreach (var (name, path) in new[] { ("echo.ok", "ok"), ("echo.fail", "fail") })
        {
            await (await client.PostJsonAsync("/api/v1/tools/register", new
            {
                name,
                description = "Echoes what it was sent",
                kind = "http",
                input_schema = new { type = "object", properties = new { q = new { type = "string" } } },
                http = new
                {
                    method = "POST",
                    url_template = $"http://127.0.0.1:{server.Port}/{path}",
                    allowed_hosts = new[] { "127.0.0.1" },
                    credential_id = credentialId,
                    credential_placement = new { header = "Authorization", format = "Bearer {token}", field = "token" },
                },
            })).ExpectAsync(HttpStatusCode.Created);
        }
        var agent = await (await client.PostJsonAsync("/api/v1/agents", new { name = "echo", model = "offline", tools = new[] { "echo.ok", "echo.fail" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var logsBefore = CapturedLogs.Count;

        // The model is handed the secret in its arguments too (as if a user pasted it): recorded arguments are scrubbed.
        var arguments = JsonSerializer.Serialize(new { q = "look up " + token });
        var run = await (await client.PostJsonAsync($"/api/v1/agents/{agent["id"]!.GetValue<string>()}/execute",
            new { input = $"/call echo.ok {arguments}\n/call echo.fail {{}}" })).ExpectAsync(HttpStatusCode.OK);

        // The secret was really injected, and really echoed back: the scrub below is what removed it.
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("Bearer " + token, r.Header("Authorization")));
        var calls = run["tool_calls"]!.AsArray();
        Assert.Equal(["succeeded", "failed"], calls.Select(c => c!["outcome"]!.GetValue<string>()));
        Assert.Contains("[redacted]", calls[0]!["result"]!.GetValue<string>());
        Assert.Contains("[redacted]", calls[1]!["error"]!.GetValue<string>());
        Assert.Contains("[redacted]", calls[0]!["arguments_json"]!.GetValue<string>());

        var forms = Forms(token).Concat(Forms(other)).ToList();
        var recorded = new StringBuilder()
            .Append(calls.ToJsonString()).Append(run["steps"]!.ToJsonString())
            .Append((await (await client.GetAsync($"/api/v1/runs/{run["id"]!.GetValue<string>()}")).ExpectAsync(HttpStatusCode.OK))["tool_calls"]!.ToJsonString());
        foreach (var execution in await factory.Store.For(tenant.Tenant).QueryAsync("tool_execution", [new("run_id", run["id"]!.GetValue<string>())]))
        {
            recorded.Append(execution.Json);
        }
        var logs = string.Join('\n', CapturedLogs.Snapshot().Skip(logsBefore));
        Assert.Contains("echo.ok", logs);
        foreach (var form in forms)
        {
            Assert.DoesNotContain(form, recorded.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(form, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_ToolRepointedByAnotherOperator_PersonalCredentialIsRefusedAuditedAndNeverSent()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var alice = await tenant.AddUserAsync(Role.Operator);
        var bob = await tenant.AddUserAsync(Role.Operator);
        var secret = SecretRegistry.New("alice-crm");
        await using var good = await LoopbackServer.StartAsync((context, _) => context.Response.WriteAsync("{\"ok\":true}"));
        await using var evil = await LoopbackServer.StartAsync((context, _) => context.Response.WriteAsync("{\"stolen\":true}"));
        var credentialId = (await CreateAsync(alice.Client, tenant.Tenant, new
        {
            user_id = alice.UserId,
            credentials = new { token = secret },
            allowed_hosts = new[] { "127.0.0.1" },
        })).CredentialId;
        var created = await alice.Client.PostJsonAsync("/api/v1/tools/register", Tool($"http://127.0.0.1:{good.Port}/crm", "127.0.0.1", credentialId));
        await created.ExpectAsync(HttpStatusCode.Created);
        var agent = await (await alice.Client.PostJsonAsync("/api/v1/agents", new { name = "alice crm", model = "offline", tools = new[] { "crm.lookup" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var agentId = agent["id"]!.GetValue<string>();

        // Bob, another operator, points the tenant-wide tool at his own host, keeping Alice's credential.
        await (await bob.Client.SendJsonAsync(HttpMethod.Put, "/api/v1/tools/crm.lookup", Tool($"http://localhost:{evil.Port}/crm", "localhost", credentialId), created.Headers.ETag!.Tag))
            .ExpectAsync(HttpStatusCode.OK);
        var run = await (await alice.Client.PostJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "/call crm.lookup {}" })).ExpectAsync(HttpStatusCode.OK);

        var call = run["tool_calls"]![0]!;
        Assert.Equal("failed", call["outcome"]!.GetValue<string>());
        Assert.Contains("may not be sent to 'localhost'", call["error"]!.GetValue<string>());
        Assert.Empty(evil.Requests);
        Assert.Empty(good.Requests);
        var audit = await AuditAsync(tenant.First.Client, tenant.Tenant, $"?credential_id={credentialId}&allowed=false");
        var refusal = Assert.Single(audit.Body.GetProperty("items").EnumerateArray());
        Assert.Equal("use", refusal.GetProperty("action").GetString());
        Assert.Equal("host_not_allowed", refusal.GetProperty("reason").GetString());
        Assert.Equal("localhost", refusal.GetProperty("destination_host").GetString());
        Assert.Equal(agentId, refusal.GetProperty("agent_id").GetString());
        Assert.DoesNotContain(secret, audit.Text);
    }

    [Fact]
    public async Task AllowedHosts_SetAtCreate_ShownInViews_ReplacedByRotateAlone_AuditedAsUpdate()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var secret = SecretRegistry.New("hosts-api");
        var created = await CreateAsync(tenant.First.Client, tenant.Tenant, new
        {
            credentials = new { token = secret },
            allowed_hosts = new[] { "API.Example.com", "*.hubapi.com", "api.example.com" },
        });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(["api.example.com", "*.hubapi.com"], Hosts(created.Body));
        var id = created.CredentialId;
        Assert.Equal(["api.example.com", "*.hubapi.com"], Hosts((await GetAsync(tenant.First.Client, tenant.Tenant, id)).Body));
        var listed = (await ListAsync(tenant.First.Client, tenant.Tenant)).Body.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("credential_id").GetString() == id);
        Assert.Equal(["api.example.com", "*.hubapi.com"], Hosts(listed));

        var updated = await RotateAsync(tenant.First.Client, tenant.Tenant, id, """{"allowed_hosts":["crm.example.org"]}""");

        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal(2, updated.Body.GetProperty("version").GetInt32());
        Assert.Equal(["crm.example.org"], Hosts(updated.Body));
        var read = await GetAsync(tenant.First.Client, tenant.Tenant, id);
        Assert.Equal(secret, read.Body.GetProperty("credentials").GetProperty("token").GetString());
        Assert.Equal(JsonValueKind.Null, read.Body.TryGetProperty("rotated_at", out var rotatedAt) ? rotatedAt.ValueKind : JsonValueKind.Null);
        var audit = await AuditAsync(tenant.First.Client, tenant.Tenant, $"?credential_id={id}");
        Assert.Contains(audit.Body.GetProperty("items").EnumerateArray(), r => r.GetProperty("action").GetString() == "update" && r.GetProperty("allowed").GetBoolean());
    }

    [Theory]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":["https://api.example.com"]}""")]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":["api.example.com:443"]}""")]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":["api.example.com/path"]}""")]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":[""]}""")]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":["*"]}""")]
    [InlineData("""{"credentials":{"t":"x"},"allowed_hosts":"api.example.com"}""")]
    public async Task Create_BadAllowedHosts_Is400AndStoresNothing(string body)
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);

        var answer = await CreateAsync(tenant.First.Client, tenant.Tenant, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("allowed_hosts", answer.Text);
        Assert.Empty((await ListAsync(tenant.First.Client, tenant.Tenant)).Body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Rotate_AllowedHostsOfAPersonalCredential_OnlyByItsOwnUser()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var alice = await tenant.AddUserAsync(Role.Operator);
        var id = (await CreateAsync(alice.Client, tenant.Tenant, new { user_id = alice.UserId, credentials = new { t = SecretRegistry.New("personal-hosts") }, allowed_hosts = new[] { "mail.example.com" } })).CredentialId;

        var byAdmin = await RotateAsync(tenant.First.Client, tenant.Tenant, id, """{"allowed_hosts":["evil.example"]}""", alice.UserId);
        var byOwner = await RotateAsync(alice.Client, tenant.Tenant, id, """{"allowed_hosts":["imap.example.com"]}""", alice.UserId);

        Assert.Equal(HttpStatusCode.NotFound, byAdmin.Status);
        Assert.Equal(HttpStatusCode.OK, byOwner.Status);
        Assert.Equal(["imap.example.com"], Hosts(byOwner.Body));
    }

    private static object Tool(string url, string host, string credentialId) => new
    {
        name = "crm.lookup",
        description = "Looks up the CRM",
        kind = "http",
        input_schema = new { type = "object" },
        http = new { method = "GET", url_template = url, allowed_hosts = new[] { host }, credential_id = credentialId },
    };

    private static string[] Hosts(JsonElement credential) =>
        credential.GetProperty("allowed_hosts").EnumerateArray().Select(h => h.GetString()!).ToArray();

    private static Dictionary<string, string> Echoes(string secret, string other) => new()
    {
        ["raw"] = secret,
        ["sentence"] = $"your token is {secret}, keep it safe",
        ["b64"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
        ["b64url"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        ["basic"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + secret)),
        ["url"] = Uri.EscapeDataString(secret),
        ["form"] = WebUtility.UrlEncode(secret),
        ["callback"] = "https://cb.example/return?token=" + Uri.EscapeDataString(secret) + "&state=1",
        ["blob"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { client_secret = other }))),
        ["other"] = other,
    };

    /// <summary>Every form of a value the echo server sends, and its JSON-escaped spelling.</summary>
    private static IEnumerable<string> Forms(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        string[] forms =
        [
            secret,
            Convert.ToBase64String(bytes),
            Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + secret)),
            Uri.EscapeDataString(secret),
            WebUtility.UrlEncode(secret),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { client_secret = secret }))),
        ];
        return forms.Concat(forms.Select(f => JsonEncodedText.Encode(f).ToString())).Distinct();
    }
}
