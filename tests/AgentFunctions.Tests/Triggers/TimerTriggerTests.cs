using System.Net;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Triggers;

public sealed class TimerTriggerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 20, TimeSpan.Zero);

    private static async Task<(TriggerTestHost Host, string TriggerId)> StartWithTimerAsync(ManualTimeProvider time, object options)
    {
        var host = await TriggerTestHost.StartAsync(time);
        var trigger = await host.CreateTriggerAsync(new { system = "timer", options });
        return (host, trigger["id"]!.GetValue<string>());
    }

    private static async Task<IReadOnlyList<TriggerEvent>> EventsAsync(TriggerTestHost host, string triggerId) =>
        (await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<TriggerEvent>(default, new FieldEquals("trigger_id", triggerId)))
            .Select(e => e.Value).OrderBy(e => e.Timestamp).ToList();

    [Fact]
    public async Task EveryMinute_FiresOncePerInstant_EvenWithTwoInstancesTicking()
    {
        var time = new ManualTimeProvider(Start);
        var (host, triggerId) = await StartWithTimerAsync(time, new { cron = "* * * * *" });
        await using var _ = host;
        var scheduler = host.Factory.Services.GetRequiredService<TimerScheduler>();
        // A second instance over the same store, as when the Functions app scales out.
        var second = new TimerScheduler(host.Factory.Store, host.Factory.Services.GetRequiredService<IEventBus>(), time, NullLogger<TimerScheduler>.Instance);

        time.Advance(TimeSpan.FromSeconds(45)); // 09:01:05
        await Task.WhenAll(scheduler.TickAsync(), second.TickAsync(), scheduler.TickAsync());
        await host.DrainAsync();
        var events = await EventsAsync(host, triggerId);
        var only = Assert.Single(events);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 1, 0, TimeSpan.Zero), only.Timestamp);
        Assert.Equal(TriggerEventStatus.Started, only.Status);
        var key = await host.Factory.Store.For(host.Tenant.Tenant).GetAsync<TriggerEventKey>(EventIds.ForSchedule(triggerId, only.Timestamp));
        Assert.Equal(only.Id, key!.Value.EventId); // the dedupe key derived from trigger and instant names the one event

        time.Advance(TimeSpan.FromMinutes(1)); // 09:02:05
        await second.TickAsync();
        await scheduler.TickAsync();
        await host.DrainAsync();
        Assert.Equal(2, (await EventsAsync(host, triggerId)).Count);
        Assert.Equal(2, (await host.Factory.Store.For(host.Tenant.Tenant).ListAsync<AgentFunctions.Engine.Runs.Run>()).Count);
    }

    [Fact]
    public async Task Health_LagIsZeroOnTime_GrowsWhileTheClockIsStalled_LastEventIsWhenTheTickTookIt()
    {
        var time = new ManualTimeProvider(Start); // 09:00:20
        var (host, triggerId) = await StartWithTimerAsync(time, new { cron = "* * * * *" });
        await using var _ = host;
        var scheduler = host.Factory.Services.GetRequiredService<TimerScheduler>();
        async Task<System.Text.Json.Nodes.JsonNode> HealthAsync() =>
            (await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK))["health"]!;

        Assert.Equal(0, (await HealthAsync())["lag_seconds"]!.GetValue<double>()); // 09:01 is not due yet
        time.Advance(TimeSpan.FromSeconds(45)); // 09:01:05, no tick yet
        Assert.Equal(5, (await HealthAsync())["lag_seconds"]!.GetValue<double>());

        await scheduler.TickAsync();
        await host.DrainAsync();
        var health = await HealthAsync();
        Assert.Equal(0, health["lag_seconds"]!.GetValue<double>());
        Assert.Equal(Start.AddSeconds(45), health["last_event_at"]!.GetValue<DateTimeOffset>()); // the tick, not the instant 09:01:00

        // The clock stops for three minutes: 09:02 fell due 2 min 5 s ago.
        time.Advance(TimeSpan.FromMinutes(3)); // 09:04:05
        Assert.Equal(125, (await HealthAsync())["lag_seconds"]!.GetValue<double>());
        await scheduler.TickAsync();
        Assert.Equal(0, (await HealthAsync())["lag_seconds"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("skip", 0)]
    [InlineData("fire_once", 1)]
    public async Task Downtime_MissedInstantsFollowTheCatchUpPolicy(string policy, int expectedMissedEvents)
    {
        var time = new ManualTimeProvider(Start);
        var (host, triggerId) = await StartWithTimerAsync(time, new { cron = "*/5 * * * *", catch_up = policy });
        await using var _ = host;
        var scheduler = host.Factory.Services.GetRequiredService<TimerScheduler>();

        // Down from 09:00:20 to 09:32:30: instants 09:05 ... 09:30 were missed (six of them).
        time.Advance(new TimeSpan(0, 32, 10));
        await scheduler.TickAsync();
        await host.DrainAsync();
        var events = await EventsAsync(host, triggerId);
        Assert.Equal(expectedMissedEvents, events.Count);
        if (expectedMissedEvents == 1)
        {
            Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 30, 0, TimeSpan.Zero), events[0].Timestamp); // the latest missed one
            Assert.True(events[0].Payload.GetProperty("late").GetBoolean());
        }

        // Back on schedule: the next instant fires normally, and the missed ones never come back.
        time.Advance(TimeSpan.FromMinutes(3)); // 09:35:30
        await scheduler.TickAsync();
        await host.DrainAsync();
        var after = await EventsAsync(host, triggerId);
        Assert.Equal(expectedMissedEvents + 1, after.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 35, 0, TimeSpan.Zero), after[^1].Timestamp);
    }

    [Fact]
    public async Task InactiveTimer_DoesNotFire_AndResumesFromNowWhenSwitchedOn()
    {
        var time = new ManualTimeProvider(Start);
        var (host, triggerId) = await StartWithTimerAsync(time, new { cron = "* * * * *", catch_up = "fire_once" });
        await using var _ = host;
        var scheduler = host.Factory.Services.GetRequiredService<TimerScheduler>();
        await (await host.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{host.AgentId}/triggers/{triggerId}", new { active = false })).ExpectAsync(HttpStatusCode.OK);
        time.Advance(TimeSpan.FromMinutes(10));
        await scheduler.TickAsync();
        Assert.Empty(await EventsAsync(host, triggerId));

        await (await host.Client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{host.AgentId}/triggers/{triggerId}", new { active = true })).ExpectAsync(HttpStatusCode.OK);
        await scheduler.TickAsync();
        Assert.Empty(await EventsAsync(host, triggerId)); // the time it was off is not downtime to catch up on
        time.Advance(TimeSpan.FromMinutes(1));
        await scheduler.TickAsync();
        await host.DrainAsync();
        Assert.Single(await EventsAsync(host, triggerId));
    }

    [Fact]
    public async Task TimerView_ShowsTheNextFiveFireTimesInItsZone()
    {
        var time = new ManualTimeProvider(Start);
        var (host, triggerId) = await StartWithTimerAsync(time, new { cron = "0 9 * * 1-5", time_zone = "Europe/Berlin" });
        await using var _ = host;
        var view = await (await host.Client.GetAsync($"/api/v1/triggers/{triggerId}")).ExpectAsync(HttpStatusCode.OK);
        var next = view["next_fire_times"]!.AsArray().Select(n => n!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(5, next.Count);
        // 09:00 in Berlin in winter is 08:00 UTC; Monday 30 Nov 2026 09:00 Berlin has passed (it is 10:00 there), so Tuesday first.
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), next[0].ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero), next[4].ToUniversalTime());
    }

    [Fact]
    public void Dst_SpringForward_SkippedTimeFiresAtTheTransition_FallBack_AmbiguousTimeFiresOnce()
    {
        var schedule = TimerSchedule.TryParse("30 2 * * *", "Europe/Berlin", out _, out _)!;
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist; Cronos fires at 03:00 CEST (01:00 UTC).
        var spring = schedule.Next(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), 2);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), spring[0].ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), spring[1].ToUniversalTime());
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; a daily job fires once (the first).
        var autumn = schedule.Next(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), 2);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), autumn[0].ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero), autumn[1].ToUniversalTime());
    }

    [Fact]
    public void Due_AcrossAFallBackNight_FiresAnIntervalJobInBothHalves()
    {
        // "every 30 minutes" across the repeated hour: Cronos fires in both the CEST and the CET 02:xx.
        var schedule = TimerSchedule.TryParse("*/30 * * * *", "Europe/Berlin", out _, out _)!;
        var from = new DateTimeOffset(2026, 10, 24, 23, 50, 0, TimeSpan.Zero); // 01:50 CEST
        var now = new DateTimeOffset(2026, 10, 25, 2, 0, 30, TimeSpan.Zero);    // 03:00:30 CET
        var due = schedule.Due(from, now, CatchUpPolicy.Skip, out var cursor);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.Zero), cursor);
        Assert.Single(due); // only 03:00 CET is on time; the rest were missed and skipped
        var all = schedule.Next(from, 5).Select(d => d.ToUniversalTime()).ToList();
        Assert.Equal([
            new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 25, 1, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.Zero),
        ], all);
    }
}
