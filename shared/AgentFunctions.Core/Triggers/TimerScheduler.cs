using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Triggers;

/// <summary>
/// One tick of the clock: for every active timer trigger, the instants due since the last one fired become events
/// (ids derived from trigger and instant, so two instances ticking, or a tick replayed, make one event), as the
/// trigger's catch-up policy says for instants missed during downtime. In Azure a timer function calls
/// <see cref="TickAsync"/> every minute; locally a background service does.
/// </summary>
public sealed class TimerScheduler(IDocumentStore store, IEventBus bus, TimeProvider time, ILogger<TimerScheduler> logger)
{
    public async Task<int> TickAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var entries = await store.For(TenantId.Platform).ListAsync<TriggerDirectoryEntry>(cancellationToken).ConfigureAwait(false);
        var fired = 0;
        foreach (var entry in entries.Where(e => e.Value is { System: TriggerSystem.Timer, Active: true }))
        {
            try
            {
                fired += await TickTriggerAsync(entry.Value.Owner, entry.Value.Id, now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Timer trigger {TriggerId} of tenant {TenantId} failed to tick", entry.Value.Id, entry.Value.Owner.Value);
                await TriggerStates.UpdateAsync(store.For(entry.Value.Owner), entry.Value.Id,
                    s => s with { LastError = "The schedule could not be evaluated: " + ex.GetType().Name, LastErrorAt = now, ConsecutiveFailures = s.ConsecutiveFailures + 1 },
                    cancellationToken).ConfigureAwait(false);
            }
        }
        await SweepQueuedAsync(entries.Select(e => e.Value.Owner), now, cancellationToken).ConfigureAwait(false);
        return fired;
    }

    /// <summary>How long an event may stay queued before the tick puts it on the bus again.</summary>
    public static readonly TimeSpan QueuedTooLong = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The outbox sweep: an event recorded but never published (its writer died between the two) is published again,
    /// for every tenant that has triggers. The bus and the dispatcher dedupe, so a slow one published twice is harmless.
    /// </summary>
    public async Task<int> SweepQueuedAsync(IEnumerable<TenantId> tenants, DateTimeOffset now, CancellationToken cancellationToken, TimeSpan? minimumAge = null)
    {
        var republished = 0;
        foreach (var tenant in tenants.Distinct())
        {
            await ForEachQueuedAsync(tenant, async e =>
            {
                if (now - e.RecordedAt < (minimumAge ?? QueuedTooLong)) return true;
                await bus.NotifyAsync(new TriggerEventReceived(tenant, e.Id, e.TriggerId), cancellationToken).ConfigureAwait(false);
                republished++;
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        if (republished > 0) logger.LogWarning("Republished {Count} events that stayed queued", republished);
        return republished;
    }

    /// <summary>At start: every event a previous process recorded and did not get to dispatch goes on the bus again.</summary>
    public async Task<int> ResumeQueuedAsync(CancellationToken cancellationToken = default)
    {
        var entries = await store.For(TenantId.Platform).ListAsync<TriggerDirectoryEntry>(cancellationToken).ConfigureAwait(false);
        return await SweepQueuedAsync(entries.Select(e => e.Value.Owner), time.GetUtcNow(), cancellationToken, TimeSpan.Zero).ConfigureAwait(false);
    }

    /// <summary>
    /// After the bus's in-memory hold overflowed: the queued events go on the bus again, oldest first, a page at a time,
    /// while <paramref name="hasRoom"/> says the hold has room. Events still held are offered again too; the bus keeps one
    /// of each. Returns false when it stopped for want of room, with queued events not yet offered.
    /// </summary>
    public async Task<bool> RepublishQueuedAsync(Func<bool> hasRoom, CancellationToken cancellationToken = default)
    {
        var entries = await store.For(TenantId.Platform).ListAsync<TriggerDirectoryEntry>(cancellationToken).ConfigureAwait(false);
        foreach (var tenant in entries.Select(e => e.Value.Owner).Distinct())
        {
            var complete = await ForEachQueuedAsync(tenant, async e =>
            {
                if (!hasRoom()) return false;
                await bus.NotifyAsync(new TriggerEventReceived(tenant, e.Id, e.TriggerId), cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (!complete) return false;
        }
        return true;
    }

    /// <summary>
    /// The tenant's queued events, oldest first, a page at a time (a backlog of any size costs one page of memory), until
    /// <paramref name="visit"/> returns false; returns whether it saw them all.
    /// </summary>
    private async Task<bool> ForEachQueuedAsync(TenantId tenant, Func<TriggerEvent, Task<bool>> visit, CancellationToken cancellationToken)
    {
        await foreach (var page in store.For(tenant).PagesAsync<TriggerEvent>(500, cancellationToken, new FieldEquals("status", "queued")).ConfigureAwait(false))
        {
            foreach (var e in page)
            {
                if (!await visit(e.Value).ConfigureAwait(false)) return false;
            }
        }
        return true;
    }

    private async Task<int> TickTriggerAsync(TenantId tenant, string triggerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var documents = store.For(tenant);
        var trigger = (await documents.GetAsync<Trigger>(triggerId, cancellationToken).ConfigureAwait(false))?.Value;
        if (trigger is not { Active: true, System: TriggerSystem.Timer }) return 0;
        var schedule = TimerSchedule.TryParse(trigger.Options.Cron, trigger.Options.TimeZone, out _, out _);
        if (schedule is null) return 0;

        var state = await documents.GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
        var lastFired = state?.Value.LastFiredInstant ?? trigger.CreatedAt;
        var due = schedule.Due(lastFired, now, trigger.Options.CatchUp ?? CatchUpPolicy.Skip, out var cursor);
        if (cursor == lastFired) return 0;

        var fired = 0;
        foreach (var instant in due)
        {
            using var span = Observability.PlatformTelemetry.StartTriggerIntake(nameof(TriggerSystem.Timer), trigger.Id);
            var payload = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
            {
                ["scheduled_at"] = instant,
                ["fired_at"] = now,
                ["cron"] = trigger.Options.Cron,
                ["time_zone"] = trigger.Options.TimeZone ?? "UTC",
                ["late"] = now - instant > TimerSchedule.OnTimeGrace,
            });
            var e = new TriggerEvent(string.Empty, tenant, trigger.Id, trigger.AgentId, TriggerSystem.Timer, instant, payload, TriggerEventStatus.Queued, null, null, instant.ToString("O"), now);
            // Another instance ticking, or an earlier tick that died before moving the cursor, finds the key taken.
            var recorded = await EventRecorder.RecordAsync(documents, e, EventIds.ForSchedule(trigger.Id, instant), cancellationToken).ConfigureAwait(false);
            Observability.PlatformTelemetry.TriggerEventTaken(span, nameof(TriggerSystem.Timer), tenant.Value, recorded.EventId, recorded.Duplicate);
            if (!recorded.NeedsPublish || recorded.EventId.Length == 0) continue;
            await bus.NotifyAsync(new TriggerEventReceived(tenant, recorded.EventId, trigger.Id), cancellationToken).ConfigureAwait(false);
            if (recorded.Duplicate) continue;
            fired++;
            logger.LogInformation("Timer trigger {TriggerId} fired for {ScheduledAt} as event {EventId}", trigger.Id, instant, recorded.EventId);
        }
        await TriggerStates.UpdateAsync(documents, triggerId, s => s.LastFiredInstant is { } known && known >= cursor ? s : s with { LastFiredInstant = cursor }, cancellationToken)
            .ConfigureAwait(false);
        return fired;
    }
}
