using AgentFunctions.Triggers;

namespace AgentFunctions.Usage;

/// <summary>
/// Trigger intake's usage hook: every event that reaches dispatch is counted once (key: the event id, itself derived
/// from the delivery, so a redelivered message collides), and the plan's trigger_events_per_day is checked before the
/// event starts a run.
/// </summary>
public sealed class TriggerUsageMeter(UsageRecorder recorder, PlanService plans, IUsageStore usage)
{
    /// <summary>Counts the event; returns why it must be dropped when it is over the day's limit, else null.</summary>
    public async Task<string?> EventDispatchingAsync(TriggerEvent e, CancellationToken cancellationToken)
    {
        await recorder.RecordAsync(new UsageEvent(e.TenantId, UsageEventKeys.TriggerEvent(e.Id), UsageMeters.TriggerEvents, 1, e.RecordedAt,
            Tool: e.System.ToString().ToLowerInvariant(), AgentId: e.AgentId, RunId: EventIds.RunFor(e), RootRunId: EventIds.RunFor(e), CorrelationId: e.Id), cancellationToken).ConfigureAwait(false);
        var limits = await plans.LimitsForAsync(e.TenantId, cancellationToken).ConfigureAwait(false);
        if (limits.TriggerEventsPerDay is not { } max) return null;
        var day = new DateTimeOffset(e.RecordedAt.UtcDateTime.Date, TimeSpan.Zero);
        var today = await usage.TotalAsync(e.TenantId, [UsageMeters.TriggerEvents], day, day.AddDays(1), cancellationToken).ConfigureAwait(false);
        return today > max ? $"The tenant's plan allows {max} trigger events per day (trigger_events_per_day); this one is number {today} of {day:yyyy-MM-dd}." : null;
    }
}
