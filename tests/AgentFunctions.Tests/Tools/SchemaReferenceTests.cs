using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Tools;

/// <summary>
/// Schemas are self-contained: a <c>$ref</c> that points at a URL or a file is refused at registration, in argument
/// validation and in MCP listings, and a listening loopback server that would serve the referenced schema proves that no
/// request ever leaves. The evil server answers with a valid schema, so a fetch would make registration succeed.
/// </summary>
public sealed class SchemaReferenceTests(PlatformFactory factory) : IClassFixture<PlatformFactory>, IAsyncLifetime
{
    private LoopbackServer evil = null!;

    public async Task InitializeAsync() =>
        evil = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"type":"string"}""");
        });

    public async Task DisposeAsync() => await evil.DisposeAsync();

    private string EvilUrl => new Uri(evil.BaseAddress, "/evil.json").ToString();

    public static TheoryData<string> RemoteReferences() => new()
    {
        """{"type":"object","properties":{"id":{"$ref":"{evil}"}}}""",
        """{"type":"object","properties":{"id":{"$ref":"{evil}#/definitions/x"}}}""",
        """{"type":"object","properties":{"id":{"\u0024ref":"{evil}"}}}""",
        """{"type":"object","$defs":{"x":{"$ref":"{evil}"}},"properties":{"id":{"$ref":"#/$defs/x"}}}""",
        """{"type":"object","definitions":{"x":{"anyOf":[{"$ref":"{evil}"}]}},"properties":{"id":{"$ref":"#/definitions/x"}}}""",
        """{"type":"object","properties":{"list":{"type":"array","items":{"$ref":"{evil}"}}}}""",
        """{"type":"object","properties":{"id":{"$ref":"//{authority}/evil.json"}}}""",
        """{"type":"object","properties":{"id":{"$ref":"evil.json"}}}""",
        """{"type":"object","properties":{"id":{"$ref":"file:///etc/passwd"}}}""",
        """{"type":"object","properties":{"id":{"$ref":" {evil}"}}}""",
        """{"$ref":"{evil}"}""",
    };

    [Theory]
    [MemberData(nameof(RemoteReferences))]
    public async Task Register_SchemaWithNonLocalRef_Is400AndNoRequestArrives(string template)
    {
        var tenant = await factory.SeedTenantAsync();
        var schema = JsonNode.Parse(Fill(template))!;

        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.remote", schema))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]!.AsObject().ContainsKey("input_schema"), problem.ToJsonString());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.remote")).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(evil.Requests);
    }

    [Fact]
    public async Task Register_OutputSchemaWithRemoteRef_Is400AndNoRequestArrives()
    {
        var tenant = await factory.SeedTenantAsync();
        var body = HttpTool("crm.remote_out", JsonNode.Parse("""{"type":"object"}""")!);
        body["output_schema"] = JsonNode.Parse(Fill("""{"$ref":"{evil}"}"""));

        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", body)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]!.AsObject().ContainsKey("output_schema"), problem.ToJsonString());
        Assert.Empty(evil.Requests);
    }

    [Fact]
    public async Task Register_LocalRefs_AreAcceptedAndValidateArguments()
    {
        var tenant = await factory.SeedTenantAsync();
        var schema = JsonNode.Parse("""{"type":"object","$defs":{"id":{"type":"string","minLength":3}},"properties":{"id":{"$ref":"#/$defs/id"}},"required":["id"]}""")!;

        await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.local", schema))).ExpectAsync(HttpStatusCode.Created);

        var element = JsonDocument.Parse(schema.ToJsonString()).RootElement;
        Assert.Empty(ToolArgumentsValidator.Validate(element, """{"id":"abcd"}"""));
        Assert.NotEmpty(ToolArgumentsValidator.Validate(element, """{"id":"ab"}"""));
        Assert.NotEmpty(ToolArgumentsValidator.Validate(element, """{"id":42}"""));
    }

    [Fact]
    public async Task Register_SchemaOverTheSizeLimit_Is400NamingTheLimit()
    {
        var tenant = await factory.SeedTenantAsync();
        var properties = new JsonObject();
        for (var i = 0; properties.ToJsonString().Length <= SelfContainedSchema.MaxBytes; i++)
        {
            properties[$"field_{i:D5}"] = new JsonObject { ["type"] = "string", ["description"] = new string('d', 200) };
        }
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };

        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.huge", schema))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains($"at most {SelfContainedSchema.MaxBytes} bytes", problem["errors"]!["input_schema"]![0]!.GetValue<string>());
        await (await tenant.First.Client.GetAsync("/api/v1/tools/crm.huge")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Register_SchemaNestedTooDeeply_Is400NamingTheLimit()
    {
        var tenant = await factory.SeedTenantAsync();
        JsonNode nested = new JsonObject { ["type"] = "string" };
        // Each level is an object and an array; the body itself stays under the JSON reader's own 64-level limit.
        for (var i = 0; i <= SelfContainedSchema.MaxDepth / 2; i++)
        {
            nested = new JsonObject { ["anyOf"] = new JsonArray { nested } };
        }
        var schema = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["deep"] = nested } };

        var problem = await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", HttpTool("crm.deep", schema))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains($"deeper than {SelfContainedSchema.MaxDepth} levels", problem["errors"]!["input_schema"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Validate_ArgumentsAgainstStoredSchemaWithRemoteRef_ReportsAProblemAndSendsNothing()
    {
        var schema = JsonDocument.Parse(Fill("""{"type":"object","properties":{"id":{"$ref":"{evil}"}}}""")).RootElement;

        var problems = ToolArgumentsValidator.Validate(schema, """{"id":"x"}""");

        Assert.Contains("not local", Assert.Single(problems));
        Assert.Empty(evil.Requests);
    }

    [Fact]
    public void Load_RemoteRefPastThePreWalk_IsRefusedByTheResolverAndSendsNothing()
    {
        // The resolver alone, without the pre-walk that normally stops this first.
        var json = Fill("""{"type":"object","properties":{"id":{"$ref":"{evil}"},"file":{"$ref":"evil.json"}}}""");

        var thrown = Assert.ThrowsAny<Exception>(() => SelfContainedSchema.Load(json));
        var chain = new List<Exception>();
        for (var ex = thrown; ex is not null; ex = ex.InnerException) chain.Add(ex);
        Assert.Contains(chain, ex => ex is NotSupportedException && ex.Message.Contains("may only reference itself", StringComparison.Ordinal));
        Assert.Empty(evil.Requests);
    }

    [Fact]
    public async Task McpListing_ToolWithRemoteRefSchema_IsSkippedAndNoRequestArrives()
    {
        await using var host = new ToolTestHost(o => o.AllowedPrivateHosts = ["127.0.0.1"]);
        await using var mcp = await TestMcpServer.StartAsync();
        mcp.RemoteSchemaUrl = EvilUrl;
        await host.SaveAsync(host.Mcp("crm.hub", new McpToolSpec(mcp.Endpoint.ToString(), null, null, ["127.0.0.1"])));

        var tools = await host.Catalog.ResolveAsync(host.Tenant, ["crm.hub.*"]);

        Assert.Contains("tools/list", mcp.Methods);
        Assert.Equal(["crm.hub.search_contacts", "crm.hub.fail"], tools.Select(t => t.Name));
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("remote_ref", StringComparison.Ordinal) && e.Message.Contains("not local", StringComparison.Ordinal));
        Assert.Empty(evil.Requests);
    }

    private string Fill(string template) => template.Replace("{evil}", EvilUrl, StringComparison.Ordinal)
        .Replace("{authority}", evil.BaseAddress.Authority, StringComparison.Ordinal);

    private static JsonObject HttpTool(string name, JsonNode schema) => new()
    {
        ["name"] = name,
        ["description"] = "Looks up a contact",
        ["kind"] = "http",
        ["input_schema"] = schema,
        ["http"] = new JsonObject
        {
            ["method"] = "GET",
            ["url_template"] = "https://api.example.com/v1/contacts",
            ["allowed_hosts"] = new JsonArray { "api.example.com" },
        },
    };
}
