using System.Net;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Paging;

/// <summary>
/// Every list route answers one envelope (<c>items</c>, <c>next_cursor</c>), validates <c>limit</c>, and takes back only the
/// cursors it issued. The list routes are read from the route table (every GET whose name starts with "List"), so a list
/// added later is held to the same rules without a line here.
/// </summary>
public sealed class ListPagingTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private readonly Dictionary<string, string> knowledgeBases = new(StringComparer.Ordinal);

    private async Task<(SeededTenant Tenant, string AgentId)> SeedAsync()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var agent = await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", new { name = "pager", scope = "team" })).ExpectAsync(HttpStatusCode.Created);
        var agentId = agent["id"]!.GetValue<string>();
        var trigger = await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agentId}/triggers", new { system = "webhook" })).ExpectAsync(HttpStatusCode.Created);
        triggers[agentId] = trigger["id"]!.GetValue<string>();
        var kb = await (await tenant.First.Client.PostJsonAsync("/api/v1/knowledge-bases", new { name = "pager" })).ExpectAsync(HttpStatusCode.Created);
        knowledgeBases[tenant.Tenant.Value] = kb["id"]!.GetValue<string>();
        await (await tenant.First.Client.PostJsonAsync("/api/v1/tools/register", new
        {
            name = "pager.lookup", description = "pager", kind = "http", input_schema = new { type = "object" },
            http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } },
        })).ExpectAsync(HttpStatusCode.Created);
        return (tenant, agentId);
    }

    private readonly Dictionary<string, string> triggers = new(StringComparer.Ordinal);

    /// <summary>Each list route of the table, with its parameters filled for <paramref name="tenant"/>.</summary>
    private List<(string Name, string Url, bool Platform)> ListRoutes(SeededTenant tenant, string agentId)
    {
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName.StartsWith("List", StringComparison.Ordinal) == true)
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName, Template: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .ToList();
        Assert.True(routes.Count >= 10, $"only {routes.Count} list routes found");
        return routes.Select(r => (r.Name, Url: r.Template.Replace("{tenantId}", tenant.Tenant.Value, StringComparison.Ordinal).Replace("{agentId}", agentId, StringComparison.Ordinal)
            .Replace("{triggerId}", triggers[agentId], StringComparison.Ordinal)
            .Replace("{knowledgeBaseId}", knowledgeBases[tenant.Tenant.Value], StringComparison.Ordinal)
            .Replace("{toolName}", "pager.lookup", StringComparison.Ordinal),
            Platform: r.Name == "ListTenants")).ToList();
    }

    private HttpClient ClientFor(SeededTenant tenant, bool platform) => platform ? factory.ClientWithKey(factory.PlatformKey) : tenant.First.Client;

    [Fact]
    public async Task EveryListRoute_FirstPage_AnswersItemsAndNextCursorOnly()
    {
        var (tenant, agentId) = await SeedAsync();

        foreach (var (name, url, platform) in ListRoutes(tenant, agentId))
        {
            Assert.DoesNotContain('{', url);
            var body = (await (await ClientFor(tenant, platform).GetAsync(url)).ExpectAsync(HttpStatusCode.OK)).AsObject();
            Assert.True(body.Select(p => p.Key).Order().SequenceEqual(["items", "next_cursor"]), $"{name}: {body.ToJsonString()}");
            Assert.IsType<JsonArray>(body["items"]);
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("201")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("99999999999")]
    [InlineData("10&limit=20")]
    public async Task EveryListRoute_BadLimit_Answers400ProblemNamingLimit(string limit)
    {
        var (tenant, agentId) = await SeedAsync();

        foreach (var (name, url, platform) in ListRoutes(tenant, agentId))
        {
            var problem = await (await ClientFor(tenant, platform).GetAsync($"{url}?limit={limit}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]?["limit"] is not null, $"{name}: {problem.ToJsonString()}");
        }
    }

    [Fact]
    public async Task EveryListRoute_UnknownParameter_Answers400ProblemNamingIt()
    {
        var (tenant, agentId) = await SeedAsync();

        foreach (var (name, url, platform) in ListRoutes(tenant, agentId))
        {
            var problem = await (await ClientFor(tenant, platform).GetAsync($"{url}?limt=5")).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]?["limt"] is not null, $"{name}: {problem.ToJsonString()}");
        }
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("%20")]
    public async Task EveryListRoute_CursorItDidNotIssue_Answers400ProblemNamingCursor(string cursor)
    {
        var (tenant, agentId) = await SeedAsync();

        foreach (var (name, url, platform) in ListRoutes(tenant, agentId))
        {
            var problem = await (await ClientFor(tenant, platform).GetAsync($"{url}?cursor={cursor}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]?["cursor"] is not null, $"{name}: {problem.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Agents_PagedByTwo_ReturnEveryAgentOnceAndEndWithNullCursor()
    {
        var (tenant, first) = await SeedAsync();
        var ids = new List<string> { first };
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await (await tenant.First.Client.PostJsonAsync("/api/v1/agents", new { name = $"a{i}", scope = "team" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await tenant.First.Client.GetAsync("/api/v1/agents?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)))).ExpectAsync(HttpStatusCode.OK);
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 0, 2);
            seen.AddRange(items.Select(i => i!["id"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.Equal(4, pages);
    }

    [Fact]
    public async Task Cursor_ChangedByOneCharacter_Answers400()
    {
        var (tenant, _) = await SeedAsync();
        for (var i = 0; i < 3; i++) await tenant.First.Client.PostJsonAsync("/api/v1/agents", new { name = $"a{i}", scope = "team" });
        var cursor = (await (await tenant.First.Client.GetAsync("/api/v1/agents?limit=1")).ExpectAsync(HttpStatusCode.OK))["next_cursor"]!.GetValue<string>();

        for (var position = 0; position < cursor.Length; position += 3)
        {
            var tampered = cursor[..position] + (cursor[position] == 'A' ? 'B' : 'A') + cursor[(position + 1)..];
            await (await tenant.First.Client.GetAsync("/api/v1/agents?limit=1&cursor=" + tampered)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        }
        // The last character carries spare bits in base64: a spelling that decodes to the same bytes is still refused.
        foreach (var last in "ABCDQgw")
        {
            if (last == cursor[^1]) continue;
            await (await tenant.First.Client.GetAsync("/api/v1/agents?limit=1&cursor=" + cursor[..^1] + last)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        }
        await (await tenant.First.Client.GetAsync("/api/v1/agents?limit=1&cursor=" + cursor)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cursor_OfAnotherTenantOrAnotherList_Answers400AndShowsNothing()
    {
        var (mine, _) = await SeedAsync();
        var (theirs, _) = await SeedAsync();
        for (var i = 0; i < 3; i++) await theirs.First.Client.PostJsonAsync("/api/v1/agents", new { name = $"a{i}", scope = "team" });
        var foreign = (await (await theirs.First.Client.GetAsync("/api/v1/agents?limit=1")).ExpectAsync(HttpStatusCode.OK))["next_cursor"]!.GetValue<string>();
        await mine.AddUserAsync(Role.Viewer);
        var ownUsersCursor = (await (await mine.First.Client.GetAsync("/api/v1/users?limit=1")).ExpectAsync(HttpStatusCode.OK))["next_cursor"]!.GetValue<string>();

        var problem = await (await mine.First.Client.GetAsync("/api/v1/agents?cursor=" + foreign)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await mine.First.Client.GetAsync("/api/v1/agents?cursor=" + ownUsersCursor)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await mine.First.Client.GetAsync($"/api/v1/keys?user_id={mine.First.UserId}&cursor=" + ownUsersCursor)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.DoesNotContain(theirs.Tenant.Value, problem.ToJsonString());
    }

    [Fact]
    public async Task Runs_NewestFirstFilteredByStatus_PagedWithTheFilterBoundToTheCursor()
    {
        var (tenant, agentId) = await SeedAsync();
        var started = new List<(string Id, string Status)>();
        foreach (var input in new[] { "one", "/fail boom", "two", "/fail again", "three" })
        {
            var run = await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agentId}/execute", new { input })).ExpectAsync(HttpStatusCode.OK);
            started.Add((run["id"]!.GetValue<string>(), run["status"]!.GetValue<string>()));
        }
        Assert.Equal(["completed", "failed", "completed", "failed", "completed"], started.Select(s => s.Status));

        var all = await tenant.First.Client.ReadAllItemsAsync($"/api/v1/agents/{agentId}/runs", limit: 2);
        var completed = await tenant.First.Client.ReadAllItemsAsync($"/api/v1/agents/{agentId}/runs?status=completed", limit: 1);
        var firstCompleted = await (await tenant.First.Client.GetAsync($"/api/v1/agents/{agentId}/runs?status=completed&limit=1")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(started.Select(s => s.Id).Reverse(), all.Select(r => r!["id"]!.GetValue<string>()));
        Assert.Equal(started.Where(s => s.Status == "completed").Select(s => s.Id).Reverse(), completed.Select(r => r!["id"]!.GetValue<string>()));
        Assert.All(all, r => Assert.Equal(agentId, r!["agent_id"]!.GetValue<string>()));
        var cursor = firstCompleted["next_cursor"]!.GetValue<string>();
        await (await tenant.First.Client.GetAsync($"/api/v1/agents/{agentId}/runs?status=failed&cursor={cursor}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("status=done")]
    [InlineData("status=")]
    [InlineData("status=COMPLETED")]
    [InlineData("status=completed&status=failed")]
    [InlineData("state=completed")]
    public async Task Runs_BadFilter_Answers400(string query)
    {
        var (tenant, agentId) = await SeedAsync();

        await (await tenant.First.Client.GetAsync($"/api/v1/agents/{agentId}/runs?{query}")).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RunsAndSessions_OfAnAgentOfAnotherTenant_Answer404()
    {
        var (mine, _) = await SeedAsync();
        var (_, theirAgent) = await SeedAsync();

        await (await mine.First.Client.GetAsync($"/api/v1/agents/{theirAgent}/runs")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await mine.First.Client.GetAsync($"/api/v1/agents/{theirAgent}/sessions")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Sessions_NewestFirst_EachUserSeesTheirOwnAndTheAdminAll()
    {
        var (tenant, agentId) = await SeedAsync();
        var operatorUser = await tenant.AddUserAsync(Role.Operator);
        var adminSessions = new List<string>();
        var operatorSessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            adminSessions.Add((await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agentId}/sessions", new { title = $"a{i}" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
            operatorSessions.Add((await (await operatorUser.Client.PostJsonAsync($"/api/v1/agents/{agentId}/sessions", new { title = $"o{i}" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        }

        var seenByOperator = (await operatorUser.Client.ReadAllItemsAsync($"/api/v1/agents/{agentId}/sessions", limit: 2)).Select(s => s!["id"]!.GetValue<string>());
        var seenByAdmin = (await tenant.First.Client.ReadAllItemsAsync($"/api/v1/agents/{agentId}/sessions", limit: 2)).Select(s => s!["id"]!.GetValue<string>());

        Assert.Equal(Enumerable.Reverse(operatorSessions), seenByOperator);
        Assert.Equal(adminSessions.Concat(operatorSessions).OrderDescending(StringComparer.Ordinal), seenByAdmin);
        Assert.True(adminSessions.SequenceEqual(adminSessions.Order(StringComparer.Ordinal)), "session ids do not sort by creation time");
    }

    [Fact]
    public async Task AgentVersions_PastTen_ListInVersionOrder()
    {
        var (tenant, agentId) = await SeedAsync();
        for (var i = 0; i < 11; i++)
        {
            var response = await tenant.First.Client.GetAsync($"/api/v1/agents/{agentId}");
            var etag = response.Headers.ETag!.Tag;
            await (await tenant.First.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{agentId}", new { system_prompt = $"v{i + 2}" }, etag)).ExpectAsync(HttpStatusCode.OK);
        }

        var versions = await tenant.First.Client.ReadAllItemsAsync($"/api/v1/agents/{agentId}/versions", limit: 5);

        Assert.Equal(Enumerable.Range(1, 12), versions.Select(v => v!["number"]!.GetValue<int>()));
    }

    [Fact]
    public async Task AgentVersions_StoredUnderTheUnpaddedIdOfEarlierBuilds_StillReadAndRollBack()
    {
        var (tenant, agentId) = await SeedAsync();
        var documents = factory.Store.For(tenant.Tenant);
        var first = (await documents.GetAsync<AgentVersion>(AgentVersion.IdFor(agentId, 1)))!.Value;
        await documents.CommitAsync(
        [
            DocumentWrite.Delete(AgentVersion.Kind, first.Id),
            TypedDocuments.Write(DocumentWriteMode.Create, documents, first with { Id = $"{agentId}.v1" }),
        ]);

        var version = await (await tenant.First.Client.GetAsync($"/api/v1/agents/{agentId}/versions/1")).ExpectAsync(HttpStatusCode.OK);
        var rolledBack = await (await tenant.First.Client.PostJsonAsync($"/api/v1/agents/{agentId}/rollback", new { version = 1 })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal($"{agentId}.v1", version["id"]!.GetValue<string>());
        Assert.Equal(1, rolledBack["version"]!.GetValue<int>());
        Assert.Equal($"{agentId}.v000001", AgentVersion.IdFor(agentId, 1));
    }
}
