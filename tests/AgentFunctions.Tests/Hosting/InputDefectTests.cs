using System.Net;
using System.Text;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Hosting;

/// <summary>Input defects a newcomer hit: each answered with a problem that says what to send instead.</summary>
public sealed class InputDefectTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static object Agent(string name, string model = "offline") => new
    {
        name,
        scope = "team",
        model,
        system_prompt = "You help.",
        tools = new[] { "builtin.current_time" },
    };

    private static string FirstError(System.Text.Json.Nodes.JsonNode problem) =>
        string.Join(" | ", problem["errors"]!.AsObject().Select(e => e.Key + ": " + string.Join(";", e.Value!.AsArray().Select(x => x!.GetValue<string>()))));

    [Fact]
    public async Task OutOfRangeRole_NamesTheAllowedValues()
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/users", new { email = "x@example.test", role = "god" }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = FirstError(problem);
        Assert.Contains("'admin'", errors);
        Assert.Contains("'operator'", errors);
        Assert.Contains("'viewer'", errors);
        Assert.DoesNotContain("wrong type", errors);
        Assert.Contains("role", errors);
    }

    [Fact]
    public async Task OutOfRangeToolKind_NamesTheAllowedValues()
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", new
        {
            name = "ops.run",
            description = "runs things",
            kind = "shell",
            input_schema = new { type = "object" },
        })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = FirstError(problem);
        Assert.Contains("kind", errors);
        Assert.Contains("'http'", errors);
        Assert.Contains("'mcp'", errors);
    }

    [Fact]
    public async Task EnumAsNumber_IsRefusedWithTheNames()
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/users", """{"email":"n@example.test","role":0}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("'viewer'", FirstError(problem));
    }

    [Fact]
    public async Task EnumInAnyCase_IsStillAccepted_AndWrittenSnakeCase()
    {
        var tenant = await factory.SeedTenantAsync();
        var created = await (await tenant.First.Client.PostJsonAsync("/api/v1/users", new { email = "case@example.test", role = "Operator" }))
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("operator", created["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task IfMatchStar_MatchesAnyCurrentVersion()
    {
        var tenant = await factory.SeedTenantAsync();
        var client = tenant.First.Client;
        var agent = await (await client.PostJsonAsync("/api/v1/agents", Agent("star"))).ExpectAsync(HttpStatusCode.Created);
        var id = agent["id"]!.GetValue<string>();

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/agents/{id}")
        {
            Content = new StringContent("""{"system_prompt":"Changed."}""", Encoding.UTF8, "application/json"),
        };
        patch.Headers.TryAddWithoutValidation("If-Match", "*");
        var patched = await (await client.SendAsync(patch)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, patched["version"]!.GetValue<int>());

        // Still a precondition: no If-Match at all is 428, a stale one 412.
        await (await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{id}", new { system_prompt = "x" })).ExpectProblemAsync((HttpStatusCode)428);
        await (await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{id}", new { system_prompt = "x" }, "\"stale\"")).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Theory]
    [InlineData("bad\u0000name")]
    [InlineData("line\nbreak")]
    [InlineData("bell\u0007")]
    [InlineData("sep\u2028x")]
    public async Task ControlCharactersInNames_AreRefused(string name)
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Agent(name))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("control characters", FirstError(problem));
        var keyProblem = await (await tenant.First.Client.PostJsonAsync("/api/v1/keys", new { name })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("name", FirstError(keyProblem));
        var userProblem = await (await tenant.First.Client.PostJsonAsync("/api/v1/users", new { email = "cc@example.test", display_name = name })).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("display_name", FirstError(userProblem));
    }

    [Theory]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("text/json")]
    [InlineData("application/jsonx")]
    public async Task NonUtf8OrNonJsonContentType_Is415(string contentType)
    {
        var tenant = await factory.SeedTenantAsync();
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes("""{"name":"caf\u00e9","scope":"team"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        await (await tenant.First.Client.PostAsync("/api/v1/agents", content)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json")]
    [InlineData("application/merge-patch+json")]
    public async Task Utf8JsonContentTypes_AreAccepted(string contentType)
    {
        var tenant = await factory.SeedTenantAsync();
        var content = new StringContent("""{"name":"café","scope":"team","model":"offline"}""", Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var created = await (await tenant.First.Client.PostAsync("/api/v1/agents", content)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("café", created["spec"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ModelNoRouteServes_IsRefusedAtCreate_NotAtRunTime()
    {
        var tenant = await factory.SeedTenantAsync();
        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Agent("remote", model: "gpt-4o-mini")))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = FirstError(problem);
        Assert.Contains("model", errors);
        Assert.Contains("gpt-4o-mini", errors);
        await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Agent("scripted", model: "scripted:demo"))).ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task RollbackToVersionBelowOne_SaysVersionsStartAtOne(int version)
    {
        var tenant = await factory.SeedTenantAsync();
        var agent = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", Agent("rollback"))).ExpectAsync(HttpStatusCode.Created);
        var problem = await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agent["id"]}/rollback", new { version }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = FirstError(problem);
        Assert.Contains("start at 1", errors);
        Assert.DoesNotContain("is required", errors);
    }
}
