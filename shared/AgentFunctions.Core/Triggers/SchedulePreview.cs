using AgentFunctions.Common;

namespace AgentFunctions.Triggers;

/// <summary>The body of <c>POST /api/v1/triggers/schedule-preview</c>: a timer's cron and IANA time zone, and how many fire times.</summary>
public sealed record SchedulePreviewRequest(string? Cron, string? TimeZone, int? Count = null);

/// <summary>One fire time: the instant (UTC) and the same instant as the clock on the wall of the trigger's time zone.</summary>
public sealed record ScheduledFire(DateTimeOffset At, DateTimeOffset Local);

/// <summary>The next fire times of a timer after <see cref="After"/>, computed by <see cref="TimerSchedule"/> as the scheduler does.</summary>
public sealed record SchedulePreview(string Cron, string TimeZone, DateTimeOffset After, IReadOnlyList<ScheduledFire> Next)
{
    public const int DefaultCount = 5;
    public const int MaxCount = 50;

    /// <summary>Validates like a timer trigger's options (same field names and messages), then lists the next fire times.</summary>
    public static SchedulePreview For(SchedulePreviewRequest? request, DateTimeOffset now)
    {
        var validation = new Validation();
        var schedule = TimerSchedule.TryParse(request?.Cron, request?.TimeZone, out var cronError, out var zoneError);
        if (cronError is not null) validation.Add("cron", cronError);
        if (zoneError is not null) validation.Add("time_zone", zoneError);
        var count = request?.Count ?? DefaultCount;
        validation.Require(count is >= 1 and <= MaxCount, "count", $"must be between 1 and {MaxCount}");
        validation.ThrowIfInvalid();

        var zone = request!.TimeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(request.TimeZone);
        var fires = schedule!.Next(now, count)
            .Select(at => new ScheduledFire(at.ToUniversalTime(), TimeZoneInfo.ConvertTime(at, zone)))
            .ToList();
        return new SchedulePreview(request.Cron!, request.TimeZone ?? "UTC", now, fires);
    }
}
