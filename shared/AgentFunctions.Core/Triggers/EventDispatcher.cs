using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Triggers;

/// <summary>
/// The bus consumer: turns a recorded event into a run of its agent, acting as the trigger's creator, with a run id
/// derived from the event id (a redelivered message finds the run already there). An event that cannot run is
/// recorded as dropped with its reason, never lost silently.
/// </summary>
public sealed class EventDispatcher(IDocumentStore store, RunService runs, ILogger<EventDispatcher> logger, Usage.TriggerUsageMeter? usage = null)
{
    /// <summary>After this many failed dispatches an event is dropped with the last error, not retried forever.</summary>
    public const int MaxDispatchAttempts = 5;

    public const string TriggerDeletedReason = "The trigger was deleted before the event ran.";

    public async Task DispatchAsync(TriggerEventReceived message, CancellationToken cancellationToken = default)
    {
        var documents = store.For(message.Tenant);
        var recorded = await documents.GetAsync<TriggerEvent>(message.EventId, cancellationToken).ConfigureAwait(false);
        if (recorded is null || recorded.Value.Status != TriggerEventStatus.Queued) return;
        using var scope = Observability.LogScopes.BeginPlatformScope(logger, tenantId: message.Tenant.Value, agentId: recorded.Value.AgentId,
            runId: EventIds.RunFor(recorded.Value), triggerId: recorded.Value.TriggerId, eventId: message.EventId);
        try
        {
            await DispatchRecordedAsync(documents, recorded, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The bus redelivers a failed message; the count on the event makes the last attempt drop it with the reason
            // (a poison event is neither retried forever nor left queued for the sweep to send again).
            var attempts = recorded.Value.DispatchAttempts + 1;
            if (attempts >= MaxDispatchAttempts)
            {
                var error = ex.Message.Length > 300 ? ex.Message[..300] + "..." : ex.Message;
                await DropAsync(documents, recorded, $"Dispatch failed {attempts} times; the last error: {ex.GetType().Name}: {error}", cancellationToken).ConfigureAwait(false);
                return;
            }
            try
            {
                await documents.ReplaceAsync(recorded.Value with { DispatchAttempts = attempts }, recorded.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentPreconditionFailedException)
            {
            }
            throw;
        }
    }

    private async Task DispatchRecordedAsync(ITenantDocuments documents, Versioned<TriggerEvent> recorded, CancellationToken cancellationToken)
    {
        var e = recorded.Value;

        var trigger = await documents.GetAsync<Trigger>(e.TriggerId, cancellationToken).ConfigureAwait(false);
        if (trigger is null)
        {
            await DropAsync(documents, recorded, TriggerDeletedReason, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!trigger.Value.Active)
        {
            await DropAsync(documents, recorded, "The trigger is switched off.", cancellationToken).ConfigureAwait(false);
            return;
        }
        var caller = await CreatorAsync(documents, trigger.Value, cancellationToken).ConfigureAwait(false);
        if (caller is null)
        {
            await DropAsync(documents, recorded, $"The trigger's creator '{trigger.Value.CreatedBy}' no longer exists, is disabled, or may no longer run agents.", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (usage is not null && await usage.EventDispatchingAsync(e, cancellationToken).ConfigureAwait(false) is { } overLimit)
        {
            await DropAsync(documents, recorded, overLimit, cancellationToken).ConfigureAwait(false);
            return;
        }

        var runId = EventIds.RunFor(e);
        // Starting is idempotent for a derived run id (both orchestration clients start an instance id once; the run
        // record tolerates being written twice), so a redelivery after a crash simply finishes what the first began.
        try
        {
            await runs.StartAsync(caller, e.AgentId, EventInput.Render(e, trigger.Value.Options.InputTemplate), sessionId: null, cancellationToken, runId: runId)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConflictException or NotFoundException or ValidationFailedException or Usage.UsageLimitExceededException { IsBudget: true })
        {
            if (await documents.GetAsync<Run>(runId, cancellationToken).ConfigureAwait(false) is null)
            {
                var reason = ex switch
                {
                    NotFoundException => $"The agent '{e.AgentId}' no longer exists or is not visible to the trigger's creator.",
                    ValidationFailedException v => "The event's input was refused: " + string.Join("; ", v.Errors.Select(p => $"{p.Key} {string.Join(", ", p.Value)}")),
                    _ => ex.Message,
                };
                await DropAsync(documents, recorded, reason, cancellationToken).ConfigureAwait(false);
                return;
            }
            // An earlier delivery started the run before the agent changed: that run stands.
        }
        await MarkAsync(documents, recorded, e with { Status = TriggerEventStatus.Started, RunId = runId }, dropped: false, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Event {EventId} of trigger {TriggerId} started run {RunId} of agent {AgentId}", e.Id, e.TriggerId, runId, e.AgentId);
    }

    private async Task<Caller?> CreatorAsync(ITenantDocuments documents, Trigger trigger, CancellationToken cancellationToken)
    {
        var user = await documents.GetAsync<User>(trigger.CreatedBy, cancellationToken).ConfigureAwait(false);
        if (user is null || user.Value.Disabled) return null;
        var caller = new Caller(trigger.TenantId, user.Value.Id, user.Value.Role, "trigger:" + trigger.Id, user.Value.TeamIds);
        return caller.Can(Permission.RunAgents) ? caller : null;
    }

    private async Task DropAsync(ITenantDocuments documents, Versioned<TriggerEvent> recorded, string reason, CancellationToken cancellationToken)
    {
        await MarkAsync(documents, recorded, recorded.Value with { Status = TriggerEventStatus.Dropped, DropReason = reason }, dropped: true, cancellationToken).ConfigureAwait(false);
        logger.LogWarning("Event {EventId} of trigger {TriggerId} dropped: {Reason}", recorded.Value.Id, recorded.Value.TriggerId, reason);
    }

    private async Task MarkAsync(ITenantDocuments documents, Versioned<TriggerEvent> recorded, TriggerEvent updated, bool dropped, CancellationToken cancellationToken)
    {
        try
        {
            await documents.ReplaceAsync(updated, recorded.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentPreconditionFailedException)
        {
            return; // another delivery of the same message got there first
        }
        await TriggerStates.UpdateAsync(documents, updated.TriggerId, s => s with
        {
            // When the platform took the event, for every system (a polled item's own timestamp can be days old).
            LastEventAt = updated.RecordedAt > (s.LastEventAt ?? DateTimeOffset.MinValue) ? updated.RecordedAt : s.LastEventAt,
            EventCount = s.EventCount + 1,
            DroppedCount = s.DroppedCount + (dropped ? 1 : 0),
        }, cancellationToken).ConfigureAwait(false);
    }
}
