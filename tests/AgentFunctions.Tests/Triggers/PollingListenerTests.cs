using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;
using AgentFunctions.Triggers.Listeners;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Triggers;

/// <summary>Polling listeners against local fake servers: shared polls, the watermark cursor, errors and backoff.</summary>
public sealed class PollingListenerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A JSON feed whose items the test changes; can be told to fail.</summary>
    private sealed class Feed
    {
        public List<object> Items { get; } = [];

        public int FailWith { get; set; }

        public Task Handle(HttpContext context)
        {
            if (FailWith != 0)
            {
                context.Response.StatusCode = FailWith;
                return context.Response.WriteAsync("down");
            }
            context.Response.ContentType = "application/json";
            lock (Items) return context.Response.WriteAsync(JsonSerializer.Serialize(new { data = new { items = Items.ToArray() } }));
        }

        public void Add(string id, DateTimeOffset updated, string title)
        {
            lock (Items) Items.Add(new { id, updated_at = updated.ToString("O"), title });
        }
    }

    private static async Task<string> CredentialAsync(TriggerTestHost host, string token, params string[] hosts)
    {
        var created = await (await host.Client.PostJsonAsync($"/api/v1/tenants/{host.Tenant.Tenant.Value}/credentials", new
        {
            meta = new { system = "feed" },
            credentials = new { access_token = token },
            allowed_hosts = hosts.Length > 0 ? hosts : ["127.0.0.1"],
        })).ExpectAsync(HttpStatusCode.Created);
        return created["credential_id"]!.GetValue<string>();
    }

    private static object PollOptions(Uri feed, int interval = 60) => new
    {
        url = new Uri(feed, "feed").ToString(),
        items_path = "data.items",
        id_field = "id",
        timestamp_field = "updated_at",
        interval_seconds = interval,
    };

    /// <summary>An http_poll trigger on the test feed, polling every minute with a bearer credential; its id.</summary>
    private static async Task<string> FeedTriggerAsync(TriggerTestHost host, Uri feed)
    {
        var credential = await CredentialAsync(host, "feed-token-123456");
        var trigger = await host.CreateTriggerAsync(new { system = "http_poll", credential_id = credential, options = PollOptions(feed) });
        return trigger["id"]!.GetValue<string>();
    }

    private static async Task<List<TriggerEvent>> EventsAsync(TriggerTestHost host, string triggerId) =>
        (await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<TriggerEvent>(default, new FieldEquals("trigger_id", triggerId))).Select(e => e.Value).ToList();

    [Fact]
    public async Task HttpPoll_FirstPollSetsTheCursor_ThenOneEventPerNewItem_EqualTimestampsNeitherLostNorRepeated()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        var t0 = Start.AddMinutes(-5);
        feed.Add("a", t0, "old one");
        var triggerId = await FeedTriggerAsync(host, server.BaseAddress);

        Assert.Equal(1, await polls.TickAsync());
        Assert.Empty(await EventsAsync(host, triggerId)); // the first poll only sets the cursor
        Assert.Equal("Bearer feed-token-123456", server.Requests.Last().Header("Authorization"));

        // Not due yet: no poll.
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await polls.TickAsync());

        var t1 = Start.AddMinutes(1);
        feed.Add("b", t1, "new");
        feed.Add("c", t1, "same time as b");
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await polls.TickAsync());
        await host.DrainAsync();
        Assert.Equal(["b", "c"], (await EventsAsync(host, triggerId)).Select(e => e.SourceKey).Order());

        // Another item at exactly the watermark arrives later; b and c are not repeated, d is not lost.
        feed.Add("d", t1, "late, same time");
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        await host.DrainAsync();
        var events = await EventsAsync(host, triggerId);
        Assert.Equal(["b", "c", "d"], events.Select(e => e.SourceKey).Order());
        Assert.All(events, e => Assert.Equal(TriggerEventStatus.Started, e.Status));
        Assert.Equal("late, same time", events.Single(e => e.SourceKey == "d").Payload.GetProperty("title").GetString());

        var view = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(view["health"]!["last_poll_at"]);
        Assert.Null(view["health"]!["last_error"]);
        // When the platform took the newest event (this poll), not the item's own time a minute earlier.
        Assert.Equal(time.GetUtcNow(), view["health"]!["last_event_at"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task HttpPoll_Health_LagIsZeroWhileOnSchedule_AndGrowsWhileNoPollHappens()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        var triggerId = await FeedTriggerAsync(host, server.BaseAddress);
        async Task<double> LagAsync() =>
            (await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK))["health"]!["lag_seconds"]!.GetValue<double>();

        // Never polled: the first poll is due from creation.
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(20, await LagAsync());
        await polls.TickAsync();
        Assert.Equal(0, await LagAsync());
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await LagAsync()); // the next poll is not due yet
        // The listener stalls (no tick) 45 s past the due poll: the lag says so, and a poll brings it back to zero.
        time.Advance(TimeSpan.FromSeconds(46));
        Assert.Equal(45, await LagAsync());
        await polls.TickAsync();
        Assert.Equal(0, await LagAsync());

        await (await host.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{host.AgentId}/triggers/{triggerId}", new { active = false })).ExpectAsync(HttpStatusCode.OK);
        time.Advance(TimeSpan.FromMinutes(10));
        var off = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(off["health"]!["lag_seconds"]); // switched off: nothing is expected of it
    }

    [Fact]
    public async Task DeletedTrigger_ItsListenerIsForgotten_ANewTriggerOnTheSameFeedDoesNotReplayWhatArrivedMeanwhile()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        var first = await host.CreateTriggerAsync(new { system = "http_poll", options = PollOptions(server.BaseAddress) });
        await polls.TickAsync();
        await (await host.Client.DeleteAsync($"/api/v1/triggers/{first["id"]}")).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Empty(await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<ListenerCursor>());

        // A month of items arrives while nobody watches; then a new trigger on the same feed.
        for (var i = 0; i < 30; i++) feed.Add($"old-{i}", Start.AddDays(i), "while nobody watched");
        time.Advance(TimeSpan.FromDays(31));
        var second = await host.CreateTriggerAsync(new { system = "http_poll", options = PollOptions(server.BaseAddress) });
        await polls.TickAsync();
        await host.DrainAsync();
        Assert.Empty(await EventsAsync(host, second["id"]!.GetValue<string>())); // its first poll only set the cursor
    }

    [Fact]
    public async Task HttpPoll_Backfill_EmitsWhatIsThereOnTheFirstPoll()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        await using var host = await TriggerTestHost.StartAsync(new ManualTimeProvider(Start));
        feed.Add("x", Start.AddDays(-1), "yesterday");
        feed.Add("y", Start.AddHours(-1), "an hour ago");
        var options = JsonSerializer.SerializeToNode(PollOptions(server.BaseAddress))!.AsObject();
        options["backfill"] = true;
        var trigger = await host.CreateTriggerAsync(new { system = "http_poll", options });
        await host.Factory.Services.GetRequiredService<PollScheduler>().TickAsync();
        await host.DrainAsync();
        Assert.Equal(2, (await EventsAsync(host, trigger["id"]!.GetValue<string>())).Count);
    }

    [Fact]
    public async Task HundredTriggersOnTenSharedCredentials_MakeTenPollsPerInterval_FannedOutToAll()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        var credentials = new List<string>();
        for (var i = 0; i < 10; i++) credentials.Add(await CredentialAsync(host, $"shared-token-{i:D4}-xyz"));
        var agents = new List<string> { host.AgentId };
        for (var i = 0; i < 3; i++)
        {
            var agent = await (await host.Client.PostJsonAsync("/api/v1/agents", new { name = $"Watcher {i}", scope = "team", model = "offline", system_prompt = "/answer ok" }))
                .ExpectAsync(HttpStatusCode.Created);
            agents.Add(agent["id"]!.GetValue<string>());
        }
        var triggerIds = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var trigger = await host.CreateTriggerAsync(new { system = "http_poll", credential_id = credentials[i % 10], options = PollOptions(server.BaseAddress) }, agents[i % 4]);
            triggerIds.Add(trigger["id"]!.GetValue<string>());
        }

        Assert.Equal(10, await polls.TickAsync());
        Assert.Equal(10, server.Requests.Count);
        Assert.Equal(10, server.Requests.Select(r => r.Header("Authorization")).Distinct().Count());

        feed.Add("new-1", Start.AddSeconds(30), "one new item");
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(10, await polls.TickAsync());
        Assert.Equal(20, server.Requests.Count);
        await host.DrainAsync();
        var documents = host.Factory.Store.For(host.Tenant.Tenant);
        var events = await documents.ListAsync<TriggerEvent>();
        Assert.Equal(100, events.Count); // one per trigger
        Assert.Equal(triggerIds.Order(), events.Select(e => e.Value.TriggerId).Order());
        Assert.Equal(100, (await documents.ListAsync<AgentFunctions.Engine.Runs.Run>()).Count);
    }

    [Fact]
    public async Task FailingPoll_BacksOff_RecordsTheErrorOnTheTrigger_KeepsTheCursor_AndRecovers()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        var trigger = await host.CreateTriggerAsync(new { system = "http_poll", options = PollOptions(server.BaseAddress, interval: 60) });
        var triggerId = trigger["id"]!.GetValue<string>();
        await polls.TickAsync();

        feed.Add("during-outage", Start.AddSeconds(10), "arrives while the feed is down");
        feed.FailWith = 503;
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        var view = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("503", view["health"]!["last_error"]!.GetValue<string>());
        Assert.Equal(1, view["health"]!["consecutive_failures"]!.GetValue<int>());

        // Backoff: 2 x interval after the first failure, so nothing at +61 s.
        var before = server.Requests.Count;
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        Assert.Equal(before, server.Requests.Count);

        feed.FailWith = 0;
        time.Advance(TimeSpan.FromSeconds(60));
        await polls.TickAsync();
        await host.DrainAsync();
        Assert.Equal("during-outage", Assert.Single(await EventsAsync(host, triggerId)).SourceKey); // nothing lost while down
        view = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, view["health"]!["consecutive_failures"]!.GetValue<int>());
    }

    [Fact]
    public async Task FeedOutsideTheCredentialsHosts_IsRefused_AuditedAndRecorded()
    {
        var feed = new Feed();
        await using var server = await LoopbackServer.StartAsync((c, _) => feed.Handle(c));
        await using var host = await TriggerTestHost.StartAsync(new ManualTimeProvider(Start));
        var credential = await CredentialAsync(host, "token-for-elsewhere-999", "api.example.com");
        var trigger = await host.CreateTriggerAsync(new { system = "http_poll", credential_id = credential, options = PollOptions(server.BaseAddress) });
        await host.Factory.Services.GetRequiredService<PollScheduler>().TickAsync();

        Assert.Empty(server.Requests); // the secret never left
        var view = await (await host.Client.GetAsync($"/api/v1/triggers/{trigger["id"]}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(credential, view["health"]!["last_error"]!.GetValue<string>());
    }

    [Fact]
    public async Task HubSpot_SearchesByLastModified_AscendingFromTheWatermark_WithTheCredential()
    {
        var bodies = new ConcurrentQueue<JsonNode>();
        var records = new List<object>();
        await using var server = await LoopbackServer.StartAsync(async (context, recorded) =>
        {
            bodies.Enqueue(JsonNode.Parse(recorded.Body)!);
            context.Response.ContentType = "application/json";
            object[] results;
            lock (records) results = records.ToArray();
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { total = results.Length, results }));
        });
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        host.Factory.Services.GetRequiredService<ListenerEndpoints>().HubSpot = server.BaseAddress;
        var credential = await CredentialAsync(host, "pat-na1-hubspot-token");
        var trigger = await host.CreateTriggerAsync(new { system = "hubspot", credential_id = credential, options = new { object_type = "deals" } });
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();
        await polls.TickAsync(); // sets the watermark to now, asks nothing
        Assert.Empty(server.Requests);

        var changed = Start.AddSeconds(20);
        lock (records) records.Add(new { id = "901", properties = new { dealname = "Big deal", hs_lastmodifieddate = changed.ToString("O") }, createdAt = Start.AddDays(-3).ToString("O"), updatedAt = changed.ToString("O"), archived = false });
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        await host.DrainAsync();

        var request = server.Requests.Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/crm/v3/objects/deals/search", request.PathAndQuery);
        Assert.Equal("Bearer pat-na1-hubspot-token", request.Header("Authorization"));
        var body = bodies.Single();
        var filter = body["filterGroups"]![0]!["filters"]![0]!;
        Assert.Equal("hs_lastmodifieddate", filter["propertyName"]!.GetValue<string>());
        Assert.Equal("GTE", filter["operator"]!.GetValue<string>());
        Assert.Equal(Start.ToUnixTimeMilliseconds().ToString(), filter["value"]!.GetValue<string>());
        Assert.Equal("ASCENDING", body["sorts"]![0]!["direction"]!.GetValue<string>());

        var e = Assert.Single(await EventsAsync(host, trigger["id"]!.GetValue<string>()));
        Assert.Equal("Big deal", e.Payload.GetProperty("properties").GetProperty("dealname").GetString());

        // The same change seen again at the watermark (GTE) is not a second event.
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        await host.DrainAsync();
        Assert.Single(await EventsAsync(host, trigger["id"]!.GetValue<string>()));
        Assert.Equal(changed.ToUnixTimeMilliseconds().ToString(), bodies.Last()["filterGroups"]![0]!["filters"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Gmail_ReadsHistoryFromTheProfilesHistoryId_OneEventPerAddedMessage_ExpiredHistoryIsRecorded()
    {
        var historyId = 1000;
        var added = new List<string>();
        var expired = false;
        await using var server = await LoopbackServer.StartAsync(async (context, recorded) =>
        {
            context.Response.ContentType = "application/json";
            var path = context.Request.Path.Value!;
            if (path.EndsWith("/users/me/profile", StringComparison.Ordinal))
            {
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { emailAddress = "me@example.test", messagesTotal = 10, historyId = historyId.ToString() }));
            }
            else if (path.EndsWith("/users/me/history", StringComparison.Ordinal))
            {
                if (expired)
                {
                    context.Response.StatusCode = 404;
                    await context.Response.WriteAsync("""{"error":{"code":404,"message":"Requested entity was not found."}}""");
                    return;
                }
                var history = added.Select((id, i) => new { id = (historyId + i).ToString(), messagesAdded = new[] { new { message = new { id, threadId = "t-" + id, labelIds = new[] { "INBOX", "UNREAD" } } } } }).ToArray();
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { history, historyId = (historyId + added.Count).ToString() }));
            }
            else
            {
                var id = path[(path.LastIndexOf('/') + 1)..];
                if (id == "gone")
                {
                    context.Response.StatusCode = 404; // deleted between arriving and being read
                    await context.Response.WriteAsync("""{"error":{"code":404}}""");
                    return;
                }
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { id, threadId = "t-" + id, snippet = "Hello from " + id, payload = new { headers = new[] { new { name = "Subject", value = "About " + id } } } }));
            }
        });
        var time = new ManualTimeProvider(Start);
        await using var host = await TriggerTestHost.StartAsync(time);
        host.Factory.Services.GetRequiredService<ListenerEndpoints>().Gmail = server.BaseAddress;
        var credential = await CredentialAsync(host, "ya29.gmail-access-token");
        var trigger = await host.CreateTriggerAsync(new { system = "gmail", credential_id = credential });
        var triggerId = trigger["id"]!.GetValue<string>();
        var polls = host.Factory.Services.GetRequiredService<PollScheduler>();

        await polls.TickAsync();
        Assert.EndsWith("/gmail/v1/users/me/profile", server.Requests.Single().PathAndQuery);

        added.AddRange(["m1", "gone", "m2"]);
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        await host.DrainAsync();
        Assert.Contains(server.Requests, r => r.PathAndQuery.Contains("history?startHistoryId=1000&historyTypes=messageAdded&labelId=INBOX", StringComparison.Ordinal));
        Assert.All(server.Requests, r => Assert.Equal("Bearer ya29.gmail-access-token", r.Header("Authorization")));
        var events = await EventsAsync(host, triggerId);
        Assert.Equal(["m1", "m2"], events.Select(e => e.SourceKey).Order());
        Assert.Equal("Hello from m1", events.Single(e => e.SourceKey == "m1").Payload.GetProperty("snippet").GetString());
        var healthy = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(healthy["health"]!["last_error"]); // a deleted message does not stall the listener

        // Gmail dropped the history: the listener restarts from the current position and says so on the trigger.
        expired = true;
        historyId = 5000;
        time.Advance(TimeSpan.FromSeconds(61));
        await polls.TickAsync();
        var view = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("restarted from 5000", view["health"]!["last_error"]!.GetValue<string>());
        var cursor = (await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<ListenerCursor>()).Single().Value;
        Assert.Equal("5000", cursor.Token);
    }
}
