using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// Runs the polling listeners. Triggers that share a tenant, system, credential and resource form one group with one
/// cursor and one poll per interval (the shortest interval among them); each new item becomes one event per trigger
/// of the group (ids derived from trigger and item). A failed poll backs off, is recorded on the cursor and on every
/// trigger of the group, and leaves the cursor where it was. In Azure the timer function calls <see cref="TickAsync"/>.
/// </summary>
public sealed class PollScheduler(
    IDocumentStore store,
    IEnumerable<ITriggerListener> listeners,
    ICredentialAccess credentials,
    IEventBus bus,
    TimeProvider time,
    ILogger<PollScheduler> logger)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaximumBackoff = TimeSpan.FromHours(1);

    private readonly Dictionary<TriggerSystem, ITriggerListener> bySystem = listeners.ToDictionary(l => l.System);

    /// <summary>Polls every group that is due; returns how many polls were made.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken = default)
    {
        var polls = 0;
        var entries = await store.For(TenantId.Platform).ListAsync<TriggerDirectoryEntry>(cancellationToken, new FieldEquals("active", "true")).ConfigureAwait(false);
        foreach (var tenant in entries.Where(e => bySystem.ContainsKey(e.Value.System)).GroupBy(e => e.Value.Owner))
        {
            var documents = store.For(tenant.Key);
            var triggers = new List<Trigger>();
            foreach (var entry in tenant)
            {
                if ((await documents.GetAsync<Trigger>(entry.Value.Id, cancellationToken).ConfigureAwait(false))?.Value is { Active: true } trigger) triggers.Add(trigger);
            }
            foreach (var group in triggers.GroupBy(t => GroupKey(t, bySystem[t.System])))
            {
                try
                {
                    if (await PollGroupAsync(documents, group.Key, group.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToList(), cancellationToken).ConfigureAwait(false)) polls++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Listener {ListenerId} of tenant {TenantId} failed outside its poll", group.Key, tenant.Key.Value);
                }
            }
        }
        return polls;
    }

    /// <summary>The id of the listener a trigger belongs to: one per tenant, system, credential and resource.</summary>
    public static string GroupKey(Trigger trigger, ITriggerListener listener)
    {
        var source = $"{trigger.TenantId.Value}\n{trigger.System}\n{trigger.CredentialId}\n{listener.ResourceOf(trigger)}";
        return "lsn_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..24];
    }

    private async Task<bool> PollGroupAsync(ITenantDocuments documents, string listenerId, IReadOnlyList<Trigger> group, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var first = group[0];
        var listener = bySystem[first.System];
        var stored = await documents.GetAsync<ListenerCursor>(listenerId, cancellationToken).ConfigureAwait(false);
        var cursor = stored?.Value ?? ListenerCursor.New(listenerId, documents.Tenant, Wire(first.System));
        if (cursor.NextPollAt is { } next && next > now) return false;

        var interval = group.Select(t => t.Options.IntervalSeconds is { } s ? TimeSpan.FromSeconds(s) : DefaultInterval).Min();
        PollResult result;
        try
        {
            var headers = first.CredentialId is { } credentialId
                ? await HeadersAsync(first, credentialId, listener.HostOf(first), cancellationToken).ConfigureAwait(false)
                : [];
            var backfill = group.Any(t => t.Options.Backfill == true);
            result = await listener.PollAsync(new ListenerPoll(first, listener.ResourceOf(first), headers, backfill, now), cursor, cancellationToken).ConfigureAwait(false);
        }
        catch (ListenerCursorResetException reset)
        {
            // The source moved the position itself (Gmail history expired): keep the new cursor, and say what was lost.
            await SaveAsync(documents, stored, reset.Cursor with { LastPollAt = now, NextPollAt = now + interval, LastError = reset.Message, PollCount = cursor.PollCount + 1 }, cancellationToken).ConfigureAwait(false);
            foreach (var trigger in group)
            {
                await TriggerStates.UpdateAsync(documents, trigger.Id, s => s with { LastPollAt = now, LastError = reset.Message, LastErrorAt = now, NextPollAt = now + interval }, cancellationToken).ConfigureAwait(false);
            }
            logger.LogWarning("Listener {ListenerId} cursor reset: {Reason}", listenerId, reset.Message);
            return true;
        }
        catch (Exception ex) when (ex is ListenerPollException or CredentialUseRefusedException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var failures = cursor.ConsecutiveFailures + 1;
            var backoff = TimeSpan.FromTicks(Math.Min(MaximumBackoff.Ticks, interval.Ticks * (1L << Math.Min(failures, 16))));
            var reason = ex is TaskCanceledException ? "The poll timed out." : ex.Message;
            await SaveAsync(documents, stored, cursor with { LastPollAt = now, NextPollAt = now + backoff, LastError = reason, ConsecutiveFailures = failures, PollCount = cursor.PollCount + 1 }, cancellationToken).ConfigureAwait(false);
            foreach (var trigger in group)
            {
                await TriggerStates.UpdateAsync(documents, trigger.Id, s => s with { LastPollAt = now, LastError = reason, LastErrorAt = now, ConsecutiveFailures = failures, NextPollAt = now + backoff }, cancellationToken).ConfigureAwait(false);
            }
            logger.LogWarning("Listener {ListenerId} poll failed ({Failures} in a row), next in {Backoff}: {Reason}", listenerId, failures, backoff, reason);
            return true;
        }

        // Events first, cursor after: a crash in between repeats the items, and their derived ids make them the same events.
        foreach (var item in result.NewItems)
        {
            foreach (var trigger in group)
            {
                await EmitAsync(documents, trigger, item, now, cancellationToken).ConfigureAwait(false);
            }
        }
        var after = result.Cursor with
        {
            LastPollAt = now, NextPollAt = now + interval, LastError = null, ConsecutiveFailures = 0, PollCount = cursor.PollCount + 1,
            TriggerIds = group.Select(t => t.Id).ToList(),
        };
        await SaveAsync(documents, stored, after, cancellationToken).ConfigureAwait(false);
        foreach (var trigger in group)
        {
            await TriggerStates.UpdateAsync(documents, trigger.Id, s => s with { LastPollAt = now, ConsecutiveFailures = 0, NextPollAt = after.NextPollAt }, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Listener {ListenerId} polled for {TriggerCount} triggers: {NewItems} new items", listenerId, group.Count, result.NewItems.Count);
        return true;
    }

    private async Task EmitAsync(ITenantDocuments documents, Trigger trigger, PolledItem item, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var span = Observability.PlatformTelemetry.StartTriggerIntake(trigger.System.ToString(), trigger.Id);
        var e = new TriggerEvent(string.Empty, trigger.TenantId, trigger.Id, trigger.AgentId, trigger.System, item.Timestamp ?? now, item.Payload,
            TriggerEventStatus.Queued, null, null, item.Id, now);
        var recorded = await EventRecorder.RecordAsync(documents, e, EventIds.ForItem(trigger.Id, item.Id), cancellationToken).ConfigureAwait(false);
        Observability.PlatformTelemetry.TriggerEventTaken(span, trigger.System.ToString(), trigger.TenantId.Value, recorded.EventId, recorded.Duplicate);
        if (!recorded.NeedsPublish || recorded.EventId.Length == 0) return;
        await bus.NotifyAsync(new TriggerEventReceived(trigger.TenantId, recorded.EventId, trigger.Id), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<KeyValuePair<string, string>>> HeadersAsync(Trigger trigger, string credentialId, string host, CancellationToken cancellationToken)
    {
        var secret = await credentials.UseAsync(new CredentialUseRequest(trigger.TenantId, credentialId, trigger.AgentId, trigger.CreatedBy, $"trigger:{trigger.Id}", null, host), cancellationToken)
            .ConfigureAwait(false);
        var (name, value, _) = CredentialHeader.Build(secret, null);
        return [new(name, value)];
    }

    private static async Task SaveAsync(ITenantDocuments documents, Versioned<ListenerCursor>? stored, ListenerCursor cursor, CancellationToken cancellationToken)
    {
        // A conflict means another instance polled the same group at the same time; its cursor stands.
        try
        {
            if (stored is null) await documents.CreateAsync(cursor, cancellationToken).ConfigureAwait(false);
            else await documents.ReplaceAsync(cursor, stored.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DocumentConflictException or DocumentPreconditionFailedException)
        {
        }
    }

    private static string Wire(TriggerSystem system) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(system.ToString());
}
