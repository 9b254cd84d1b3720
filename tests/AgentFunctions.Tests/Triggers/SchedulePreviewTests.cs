using System.Net;
using System.Net.Http.Json;
using AgentFunctions.Common;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;

namespace AgentFunctions.Tests.Triggers;

/// <summary>
/// <c>POST /api/v1/triggers/schedule-preview</c>: the next fire times of a cron expression in an IANA time zone, the
/// ones the timer scheduler fires at (the same <see cref="TimerSchedule"/>), daylight-saving changes included.
/// </summary>
public sealed class SchedulePreviewTests
{
    [Fact]
    public void For_NineOClockInParis_AcrossTheSpringChange_KeepsTheWallClockAndMovesTheOffset()
    {
        // Europe/Paris moves from +01:00 to +02:00 on Sunday 2026-03-29.
        var now = new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero);

        var preview = SchedulePreview.For(new SchedulePreviewRequest("0 9 * * *", "Europe/Paris"), now);

        Assert.Equal(SchedulePreview.DefaultCount, preview.Next.Count);
        Assert.All(preview.Next, f => Assert.Equal(9, f.Local.Hour));
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), preview.Next[0].At);
        Assert.Equal(TimeSpan.FromHours(1), preview.Next[0].Local.Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero), preview.Next[1].At);
        Assert.Equal(TimeSpan.FromHours(2), preview.Next[1].Local.Offset);
        Assert.All(preview.Next, f => Assert.Equal(TimeSpan.Zero, f.At.Offset));
    }

    [Fact]
    public void For_IsWhatTheSchedulerFires()
    {
        var now = new DateTimeOffset(2026, 10, 24, 23, 59, 0, TimeSpan.Zero);
        var schedule = TimerSchedule.TryParse("30 2 * * *", "Europe/London", out _, out _)!;

        var preview = SchedulePreview.For(new SchedulePreviewRequest("30 2 * * *", "Europe/London", 7), now);

        Assert.Equal(schedule.Next(now, 7).Select(t => t.ToUniversalTime()), preview.Next.Select(f => f.At));
    }

    [Fact]
    public void For_NoTimeZone_IsUtc()
    {
        var preview = SchedulePreview.For(new SchedulePreviewRequest("*/15 * * * *", null, 2), new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero));

        Assert.Equal("UTC", preview.TimeZone);
        Assert.Equal([new DateTimeOffset(2026, 1, 1, 0, 15, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 30, 0, TimeSpan.Zero)], preview.Next.Select(f => f.Local));
    }

    [Theory]
    [InlineData("not cron", "Europe/Paris", 5, "cron")]
    [InlineData("", "Europe/Paris", 5, "cron")]
    [InlineData("0 9 * * *", "Mars/Olympus", 5, "time_zone")]
    [InlineData("0 9 * * *", "Europe/Paris", 0, "count")]
    [InlineData("0 9 * * *", "Europe/Paris", 51, "count")]
    public void For_BadInput_NamesTheField(string cron, string zone, int count, string field)
    {
        var error = Assert.Throws<ValidationFailedException>(() => SchedulePreview.For(new SchedulePreviewRequest(cron, zone, count), DateTimeOffset.UtcNow));

        Assert.Contains(field, error.Errors.Keys);
    }

    [Fact]
    public async Task Route_ReturnsTheNextFireTimes_AndBadInputIsProblemJsonOnTheField()
    {
        await using var host = await TriggerTestHost.StartAsync();

        var ok = await (await host.Client.PostAsJsonAsync("/api/v1/triggers/schedule-preview", new { cron = "0 9 * * 1-5", time_zone = "America/New_York" }))
            .ExpectAsync(HttpStatusCode.OK);
        var bad = await host.Client.PostAsJsonAsync("/api/v1/triggers/schedule-preview", new { cron = "0 9 * *", time_zone = "Nowhere/City", count = 5 });
        var problem = await bad.ExpectAsync(HttpStatusCode.BadRequest);

        var next = ok["next"]!.AsArray();
        Assert.Equal(5, next.Count);
        Assert.All(next, f => Assert.EndsWith("+00:00", f!["at"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(next, f => Assert.Contains("T09:00:00-0", f!["local"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal("America/New_York", ok["time_zone"]!.GetValue<string>());
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem["errors"]!["cron"]);
        Assert.NotNull(problem["errors"]!["time_zone"]);
    }
}
