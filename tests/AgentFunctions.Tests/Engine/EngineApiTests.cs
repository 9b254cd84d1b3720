using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Engine;

public sealed class EngineApiTests : IAsyncLifetime
{
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

    [Fact]
    public async Task Execute_Sync_Returns200WithFinishedRun()
    {
        var (tenant, agentId) = await SeedAsync();

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = "hello\n/call builtin.current_time {}" });
        var run = await ReadAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.OK, run.ToString());
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        Assert.StartsWith("You said: hello", run.GetProperty("answer").GetString());
        Assert.Equal("succeeded", run.GetProperty("tool_calls")[0].GetProperty("outcome").GetString());
        Assert.Equal(4, run.GetProperty("steps").GetArrayLength());
        Assert.Equal(2, run.GetProperty("usage").GetProperty("model_calls").GetInt32());
    }

    [Fact]
    public async Task Execute_ToolWithRedactFields_ToolGetsThemWhole_RunRecordsThemMasked()
    {
        var (tenant, agentId) = await SeedAsync();
        const string email = "alice.private@example.test";

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = "note\n/call test.secretive {\"email\":\"" + email + "\",\"text\":\"hi\"}" });
        var run = await ReadAsync(response);
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());

        Assert.Contains(tools.Invocations, i => i.ToolName == FakeToolCatalog.Secretive && i.ArgumentsJson.Contains(email, StringComparison.Ordinal));
        var recorded = run.GetProperty("tool_calls")[0].GetProperty("arguments_json").GetString()!;
        Assert.DoesNotContain(email, recorded);
        Assert.Contains("\"hi\"", recorded);
        var executions = await factory.Store.For(tenant.Tenant).QueryAsync("tool_execution", [new("run_id", run.GetProperty("id").GetString())]);
        Assert.Single(executions);
        // (The double echoes its arguments in its result; the real executor redacts results, see Tools/HttpToolTests.)
        using var stored = System.Text.Json.JsonDocument.Parse(executions[0].Json);
        Assert.DoesNotContain(email, stored.RootElement.GetProperty("arguments_json").GetString()!);
    }

    [Fact]
    public async Task Execute_Async_Returns202WithLocation_ThenStreamEndsAndRunReadsCompleted()
    {
        var (tenant, agentId) = await SeedAsync();

        var response = await tenant.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute",
            new { input = "/call builtin.current_time {}", wait = false });
        var accepted = await ReadAsync(response);
        var location = response.Headers.Location!.ToString();
        var events = await ReadEventsAsync(tenant.First.Client, location + "/events");
        var run = await ReadAsync(await tenant.First.Client.GetAsync(location));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/v1/runs/{accepted.GetProperty("id").GetString()}", location);
        Assert.Equal("end", events[^1].EventType);
        Assert.Equal(["model_call", "tool_call", "model_call", "finished"], StepKinds(events));
        Assert.Equal("completed", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Stream_RunWaitingForApproval_ShowsStatusThenContinuesAfterApproveAndEnds()
    {
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;
        var runId = await StartAsync(client, agentId, "/call test.guarded {}");

        using var stream = await OpenStreamAsync(client, $"/api/v1/runs/{runId}/events");
        var seen = new List<SseItem<string>>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var items = SseParser.Create(stream).EnumerateAsync(limit.Token).GetAsyncEnumerator(limit.Token);
        while (await items.MoveNextAsync())
        {
            seen.Add(items.Current);
            if (items.Current.EventType == "status" && items.Current.Data.Contains("awaiting_approval")) break;
        }
        var pending = await ReadAsync(await client.GetAsync($"/api/v1/runs/{runId}"));
        var approve = await client.PostAsync($"/api/v1/runs/{runId}/approve", null);
        try
        {
            while (await items.MoveNextAsync())
            {
                seen.Add(items.Current);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("stream did not end; saw: " + string.Join(" | ", seen.Select(e => e.EventType + " " + e.Data)));
        }

        Assert.Equal("awaiting_approval", pending.GetProperty("status").GetString());
        Assert.Equal("test.guarded", pending.GetProperty("pending_approval_tool").GetString());
        Assert.Contains("awaiting_approval", seen.Where(e => e.EventType == "status")
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.Accepted, approve.StatusCode);
        Assert.Equal("end", seen[^1].EventType);
        Assert.Contains("\"completed\"", seen[^1].Data);
        Assert.Contains("approval_granted", StepKinds(seen));
        Assert.Equal(1, tools.TotalExecutions);
    }

    [Fact]
    public async Task Reject_PendingCall_RunCompletesWithoutExecutingIt()
    {
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;
        var runId = await StartAsync(client, agentId, "/call test.guarded {}");
        await WaitForStatusEventAsync(client, runId);

        var reject = await client.PostAsJsonAsync($"/api/v1/runs/{runId}/reject", new { reason = "no" });
        var events = await ReadEventsAsync(client, $"/api/v1/runs/{runId}/events");
        var run = await ReadAsync(await client.GetAsync($"/api/v1/runs/{runId}"));

        Assert.Equal(HttpStatusCode.Accepted, reject.StatusCode);
        Assert.Equal("end", events[^1].EventType);
        Assert.Equal("rejected", run.GetProperty("tool_calls")[0].GetProperty("outcome").GetString());
        Assert.Equal(0, tools.TotalExecutions);
    }

    [Fact]
    public async Task Cancel_RunningRun_EndsCancelled_SecondCancelConflicts()
    {
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;
        var runId = await StartAsync(client, agentId, "/call test.guarded {}");
        await WaitForStatusEventAsync(client, runId);

        var cancel = await client.PostAsync($"/api/v1/runs/{runId}/cancel", null);
        var cancelled = await ReadAsync(cancel);
        var events = await ReadEventsAsync(client, $"/api/v1/runs/{runId}/events");
        var again = await client.PostAsync($"/api/v1/runs/{runId}/cancel", null);
        var approveLate = await client.PostAsync($"/api/v1/runs/{runId}/approve", null);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Contains("\"cancelled\"", events[^1].Data);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, approveLate.StatusCode);
        Assert.Equal(0, tools.TotalExecutions);
    }

    [Fact]
    public async Task Cancel_AfterAToolCall_RunKeepsItsStepsAndUsageSoFar()
    {
        // Found trying it as a new user: a cancelled run read back with no steps and zero usage although a tool had run.
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;
        var runId = await StartAsync(client, agentId, "/call test.echo {\"text\":\"done\"}\n/call test.guarded {}");
        await WaitForStatusEventAsync(client, runId);

        var cancelled = await ReadAsync(await client.PostAsync($"/api/v1/runs/{runId}/cancel", null));
        var read = await ReadAsync(await client.GetAsync($"/api/v1/runs/{runId}"));

        foreach (var run in new[] { cancelled, read })
        {
            Assert.Equal("cancelled", run.GetProperty("status").GetString());
            Assert.Equal(["model_call", "tool_call", "model_call", "approval_requested"],
                run.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("kind").GetString()!).ToList());
            Assert.Equal(2, run.GetProperty("usage").GetProperty("model_calls").GetInt32());
            Assert.True(run.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0, run.ToString());
        }
        Assert.Equal(1, tools.TotalExecutions);

        // The tokens spent before the cancel are billed: a run_usage record with the run's own usage so far.
        var usage = await factory.Store.For(tenant.Tenant).ReadAsync("run_usage", runId);
        Assert.NotNull(usage);
        using var record = System.Text.Json.JsonDocument.Parse(usage!.Json);
        Assert.Equal(2, record.RootElement.GetProperty("model_calls").GetInt32());
        Assert.Equal(read.GetProperty("usage").GetProperty("input_tokens").GetInt32(), record.RootElement.GetProperty("input_tokens").GetInt32());
        Assert.Equal("offline", record.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Runs_AnotherTenantsKey_Gets404Everywhere()
    {
        var (tenant, agentId) = await SeedAsync();
        var other = await factory.SeedTenantAsync(Role.Admin);
        var runId = await StartAsync(tenant.First.Client, agentId, "hi");

        var get = await other.First.Client.GetAsync($"/api/v1/runs/{runId}");
        var events = await other.First.Client.GetAsync($"/api/v1/runs/{runId}/events");
        var cancel = await other.First.Client.PostAsync($"/api/v1/runs/{runId}/cancel", null);
        var execute = await other.First.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "hi" });

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, execute.StatusCode);
    }

    [Fact]
    public async Task Sessions_TwoMessages_ConversationHasFourMessagesInOrder()
    {
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;

        var created = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/sessions", new { title = "support" });
        var sessionId = (await ReadAsync(created)).GetProperty("id").GetString();
        var first = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/sessions/{sessionId}/messages", new { content = "one" });
        var second = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/sessions/{sessionId}/messages", new { content = "two" });
        var conversation = await ReadAsync(await client.GetAsync($"/api/v1/conversations/{sessionId}"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["one", "You said: one", "two", "You said: two"],
            conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        Assert.Equal(["user", "assistant", "user", "assistant"],
            conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        var session = (await ReadAsync(created));
        var stored = await factory.Store.For(tenant.Tenant).ReadAsync("session", sessionId!);
        using var record = System.Text.Json.JsonDocument.Parse(stored!.Json);
        Assert.True(record.RootElement.GetProperty("updated_at").GetDateTimeOffset() > session.GetProperty("created_at").GetDateTimeOffset(),
            "a session's updated_at moves with its messages");
    }

    [Fact]
    public async Task Execute_BadInput_ProblemDetails()
    {
        var (tenant, agentId) = await SeedAsync();
        var client = tenant.First.Client;

        var missing = await client.PostAsync($"/api/v1/agents/{agentId}/execute", new StringContent("{}", Encoding.UTF8, "application/json"));
        var unknownField = await client.PostAsync($"/api/v1/agents/{agentId}/execute", new StringContent("{\"input\":\"x\",\"bogus\":1}", Encoding.UTF8, "application/json"));
        var unknownAgent = await client.PostAsJsonAsync("/api/v1/agents/agt_nope/execute", new { input = "hi" });
        var badWait = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "hi", wait_seconds = 100_000 });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownAgent.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badWait.StatusCode);
    }

    [Fact]
    public async Task Execute_ViewerRole_Forbidden_ButMayReadRuns()
    {
        var (tenant, agentId) = await SeedAsync(AgentScope.Team);
        var viewer = await tenant.AddUserAsync(Role.Viewer);
        var runId = await StartAsync(tenant.First.Client, agentId, "hi");

        var execute = await viewer.Client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input = "hi" });
        var read = await viewer.Client.GetAsync($"/api/v1/runs/{runId}");

        Assert.Equal(HttpStatusCode.Forbidden, execute.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private async Task<(SeededTenant Tenant, string AgentId)> SeedAsync(AgentScope scope = AgentScope.User)
    {
        var tenant = await factory.SeedTenantAsync(Role.Operator);
        var now = DateTimeOffset.UtcNow;
        var spec = new AgentSpec("Helper", null, scope, "offline", "You help.", [],
            [FakeToolCatalog.Clock, FakeToolCatalog.Echo, FakeToolCatalog.Guarded, FakeToolCatalog.Secretive], KnowledgeSettings.Off, 10, AgentLimits.Default);
        var agent = new Agent(Ids.New("agt", 12), tenant.Tenant, tenant.First.UserId, tenant.TeamId, true, 1, 1, spec, now, now);
        await factory.Store.For(tenant.Tenant).CreateAsync(agent);
        return (tenant, agent.Id);
    }

    private static async Task<string> StartAsync(HttpClient client, string agentId, string input)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/agents/{agentId}/execute", new { input, wait = false });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await ReadAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task WaitForStatusEventAsync(HttpClient client, string runId)
    {
        using var stream = await OpenStreamAsync(client, $"/api/v1/runs/{runId}/events");
        await foreach (var item in SseParser.Create(stream).EnumerateAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
        {
            if (item.EventType == "status" && item.Data.Contains("awaiting_approval")) return;
        }
        throw new InvalidOperationException("The stream ended without a status event.");
    }

    private static async Task<Stream> OpenStreamAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStreamAsync();
    }

    private static async Task<List<SseItem<string>>> ReadEventsAsync(HttpClient client, string url)
    {
        using var stream = await OpenStreamAsync(client, url);
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
        {
            items.Add(item);
        }
        return items;
    }

    private static List<string> StepKinds(IEnumerable<SseItem<string>> events) =>
        events.Where(e => e.EventType == "step").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("kind").GetString()!).ToList();

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
