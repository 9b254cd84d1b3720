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
        var entries = await store.For(TenantId.Platform).ListAsync<TriggerDirectoryEntry>(cancellationToken,
            new FieldEquals("system", "timer"), new FieldEquals("active", "true")).ConfigureAwait(false);
        var fired = 0;
        foreach (var entry in entries)
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
        return fired;
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
            var eventId = EventIds.ForSchedule(trigger.Id, instant);
            var payload = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
            {
                ["scheduled_at"] = instant,
                ["fired_at"] = now,
                ["cron"] = trigger.Options.Cron,
                ["time_zone"] = trigger.Options.TimeZone ?? "UTC",
                ["late"] = now - instant > TimerSchedule.OnTimeGrace,
            });
            var e = new TriggerEvent(eventId, tenant, trigger.Id, trigger.AgentId, TriggerSystem.Timer, instant, payload, TriggerEventStatus.Queued, null, null, instant.ToString("O"));
            try
            {
                await documents.CreateAsync(e, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                // Another instance, or an earlier tick that died before moving the cursor: publish again unless it has
                // been handled (the bus and the dispatcher dedupe). Absent means the other writer's create is still
                // being made durable: publishing too is harmless, and the event is not left waiting on that writer.
                var existing = await documents.GetAsync<TriggerEvent>(eventId, cancellationToken).ConfigureAwait(false);
                if (existing is not null && existing.Value.Status != TriggerEventStatus.Queued) continue;
            }
            await bus.PublishAsync(new TriggerEventReceived(tenant, eventId, trigger.Id), cancellationToken).ConfigureAwait(false);
            fired++;
            logger.LogInformation("Timer trigger {TriggerId} fired for {ScheduledAt} as event {EventId}", trigger.Id, instant, eventId);
        }
        await TriggerStates.UpdateAsync(documents, triggerId, s => s.LastFiredInstant is { } known && known >= cursor ? s : s with { LastFiredInstant = cursor }, cancellationToken)
            .ConfigureAwait(false);
        return fired;
    }
}
