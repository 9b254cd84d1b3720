using Cronos;

namespace AgentFunctions.Triggers;

/// <summary>A timer trigger's cron expression in its IANA time zone; daylight-saving changes as Cronos defines them.</summary>
public sealed class TimerSchedule
{
    /// <summary>An instant up to this late is on time (a tick may come late); older ones count as missed.</summary>
    public static readonly TimeSpan OnTimeGrace = TimeSpan.FromSeconds(90);

    private const int MaxInstantsPerTick = 1000;

    private readonly CronExpression expression;
    private readonly TimeZoneInfo zone;

    private TimerSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        this.expression = expression;
        this.zone = zone;
    }

    /// <summary>Parses or returns the field errors (cron, time_zone).</summary>
    public static TimerSchedule? TryParse(string? cron, string? timeZone, out string? cronError, out string? zoneError)
    {
        cronError = zoneError = null;
        CronExpression? expression = null;
        if (string.IsNullOrWhiteSpace(cron))
        {
            cronError = "is required for a timer (five fields: minute hour day-of-month month day-of-week)";
        }
        else if (!CronExpression.TryParse(cron, CronFormat.Standard, out expression))
        {
            cronError = "is not a valid five-field cron expression";
        }
        TimeZoneInfo? zone = TimeZoneInfo.Utc;
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out zone))
        {
            zoneError = $"'{timeZone}' is not a known IANA time zone";
        }
        return expression is null || zone is null || zoneError is not null ? null : new TimerSchedule(expression, zone);
    }

    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset after, int count)
    {
        var list = new List<DateTimeOffset>(count);
        var from = after;
        while (list.Count < count && expression.GetNextOccurrence(from, zone) is { } next)
        {
            list.Add(next);
            from = next;
        }
        return list;
    }

    /// <summary>
    /// The instants to fire at <paramref name="now"/> given the last one fired: every on-time instant, and for missed
    /// ones what <paramref name="policy"/> says. <paramref name="cursor"/> is where to continue next time.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> Due(DateTimeOffset lastFired, DateTimeOffset now, CatchUpPolicy policy, out DateTimeOffset cursor)
    {
        var due = expression.GetOccurrences(lastFired, now, zone, fromInclusive: false, toInclusive: true).Take(MaxInstantsPerTick + 1).ToList();
        if (due.Count > MaxInstantsPerTick)
        {
            // Long downtime on a frequent schedule: look only at the tail.
            due = expression.GetOccurrences(now - OnTimeGrace - TimeSpan.FromDays(1), now, zone, fromInclusive: false, toInclusive: true).ToList();
        }
        cursor = due.Count > 0 ? due[^1] : lastFired;
        var onTime = due.Where(i => now - i <= OnTimeGrace).ToList();
        var missed = due.Where(i => now - i > OnTimeGrace).ToList();
        if (policy == CatchUpPolicy.FireOnce && missed.Count > 0)
        {
            onTime.Insert(0, missed[^1]);
        }
        return onTime;
    }
}
