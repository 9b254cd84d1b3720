using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Credentials;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Triggers;

/// <summary>
/// Triggers of an agent: create, list, update (including switching off), delete, rotate a webhook's signing secret,
/// read its events and health. A trigger is visible to whoever can see its agent; changing one needs manage_triggers.
/// </summary>
public sealed partial class TriggerService(
    IDocumentStore store,
    AgentService agents,
    ISecretVault vault,
    TimeProvider time,
    ILogger<TriggerService> logger)
{
    /// <summary>How long a rotated-out signing secret keeps working.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    public const int MaxTriggersPerAgent = 50;

    public async Task<TriggerView> CreateAsync(Caller caller, string agentId, TriggerInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTriggers);
        var agent = await agents.GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var documents = store.For(caller.Tenant);
        var system = input.System ?? throw ValidationFailedException.For("system", "is required (webhook, timer, http_poll, gmail or hubspot)");
        var options = input.Options ?? TriggerOptions.None;
        await ValidateAsync(caller, system, input.CredentialId, options, cancellationToken).ConfigureAwait(false);
        var existing = await documents.ListAsync<Trigger>(cancellationToken, new FieldEquals("agent_id", agentId)).ConfigureAwait(false);
        if (existing.Count >= MaxTriggersPerAgent) throw new ConflictException($"An agent may have at most {MaxTriggersPerAgent} triggers.");

        var now = time.GetUtcNow();
        var id = Ids.NewSortable("trg", now);
        string? secret = null;
        var keys = new List<SigningKeyVersion>();
        if (system == TriggerSystem.Webhook)
        {
            secret = NewSigningSecret();
            keys.Add(new SigningKeyVersion(await vault.SetAsync(Locator(caller.Tenant, id), Encoding.UTF8.GetBytes(secret), cancellationToken).ConfigureAwait(false), now, null));
        }
        var trigger = new Trigger(id, caller.Tenant, agent.Value.Id, system, input.CredentialId, options, input.Active ?? true, caller.UserId, keys, now, now);
        // The directory entry first: a trigger without one is unreachable, an entry without a trigger answers 404.
        await store.For(TenantId.Platform).UpsertAsync(Directory(trigger), cancellationToken).ConfigureAwait(false);
        await documents.CreateAsync(trigger, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Trigger {TriggerId} ({System}) created for agent {AgentId} by {UserId}", id, system, agentId, caller.UserId);
        return View(trigger, state: null) with { SigningSecret = secret };
    }

    /// <summary>One page of an agent's triggers, newest first.</summary>
    public async Task<ListPage<TriggerView>> ListAsync(Caller caller, string agentId, ListRequest request, CancellationToken cancellationToken = default)
    {
        await agents.GetAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var documents = store.For(caller.Tenant);
        var page = await ListCursor.ReadAsync<Trigger>(documents, $"triggers:{agentId}", request, newestFirst: true, cancellationToken,
            new FieldEquals("agent_id", agentId)).ConfigureAwait(false);
        var views = new List<TriggerView>(page.Items.Count);
        foreach (var trigger in page.Items)
        {
            var state = await documents.GetAsync<TriggerState>(trigger.Value.Id, cancellationToken).ConfigureAwait(false);
            views.Add(View(trigger.Value, state?.Value));
        }
        return new ListPage<TriggerView>(views, page.NextCursor);
    }

    public async Task<TriggerView> GetAsync(Caller caller, string triggerId, CancellationToken cancellationToken = default)
    {
        var trigger = await GetVisibleAsync(caller, triggerId, cancellationToken).ConfigureAwait(false);
        var state = await store.For(caller.Tenant).GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
        return View(trigger.Value, state?.Value);
    }

    public async Task<TriggerView> UpdateAsync(Caller caller, string agentId, string triggerId, TriggerInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTriggers);
        var current = await GetVisibleAsync(caller, triggerId, cancellationToken).ConfigureAwait(false);
        if (current.Value.AgentId != agentId) throw new NotFoundException($"Trigger '{triggerId}' of agent '{agentId}'");
        if (input.System is { } system && system != current.Value.System) throw ValidationFailedException.For("system", "cannot be changed; create a new trigger");
        var options = input.Options ?? current.Value.Options;
        var credentialId = input.CredentialId ?? current.Value.CredentialId;
        await ValidateAsync(caller, current.Value.System, credentialId, options, cancellationToken).ConfigureAwait(false);
        // Whoever changes a trigger is who its runs act as from then on: an editor cannot make runs act as someone else.
        var updated = current.Value with
        {
            Options = options,
            CredentialId = credentialId,
            Active = input.Active ?? current.Value.Active,
            CreatedBy = caller.UserId,
            UpdatedAt = time.GetUtcNow(),
        };
        var documents = store.For(caller.Tenant);
        await documents.ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        await store.For(TenantId.Platform).UpsertAsync(Directory(updated), cancellationToken).ConfigureAwait(false);
        if (updated.Active && !current.Value.Active && updated.System is TriggerSystem.HttpPoll or TriggerSystem.Gmail or TriggerSystem.Hubspot)
        {
            // Switched back on alone: what arrived while it was off is not for it; the listener starts afresh.
            await ReleaseListenerAsync(documents, triggerId, cancellationToken).ConfigureAwait(false);
        }
        if (updated.Active && !current.Value.Active && updated.System == TriggerSystem.Timer)
        {
            // Switched back on: instants missed while off are not "missed downtime"; the schedule starts from now.
            var state = await documents.GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
            var restarted = (state?.Value ?? new TriggerState(triggerId, caller.Tenant)) with { LastFiredInstant = updated.UpdatedAt };
            await documents.UpsertAsync(restarted, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Trigger {TriggerId} updated by {UserId} (active {Active})", triggerId, caller.UserId, updated.Active);
        var after = await documents.GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
        return View(updated, after?.Value);
    }

    public async Task DeleteAsync(Caller caller, string triggerId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTriggers);
        var current = await GetVisibleAsync(caller, triggerId, cancellationToken).ConfigureAwait(false);
        var documents = store.For(caller.Tenant);
        var state = await documents.GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
        var writes = new List<DocumentWrite> { DocumentWrite.Delete(Trigger.Kind, triggerId, current.ETag) };
        if (state is not null) writes.Add(DocumentWrite.Delete(TriggerState.Kind, triggerId));
        await documents.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
        try
        {
            await store.For(TenantId.Platform).DeleteAsync<TriggerDirectoryEntry>(triggerId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentMissingException)
        {
        }
        if (current.Value.System == TriggerSystem.Webhook)
        {
            await vault.DeleteAsync(Locator(caller.Tenant, triggerId), cancellationToken).ConfigureAwait(false);
        }
        await ReleaseListenerAsync(documents, triggerId, cancellationToken).ConfigureAwait(false);
        // Its events stay: they are the record of what ran and why. Those still queued will not run now; the dispatcher
        // would drop each when it got to it, but one waiting outside the bus's memory (a flood) might never be offered
        // again once the tenant has no trigger left, so they are dropped here, with the dispatcher's reason.
        var dropped = await DropQueuedEventsAsync(documents, triggerId, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Trigger {TriggerId} deleted by {UserId}; {Dropped} queued events dropped", triggerId, caller.UserId, dropped);
    }

    private static async Task<int> DropQueuedEventsAsync(ITenantDocuments documents, string triggerId, CancellationToken cancellationToken)
    {
        var dropped = 0;
        await foreach (var page in documents.PagesAsync<TriggerEvent>(500, cancellationToken,
            new FieldEquals("trigger_id", triggerId), new FieldEquals("status", "queued")).ConfigureAwait(false))
        {
            foreach (var e in page)
            {
                try
                {
                    await documents.ReplaceAsync(e.Value with { Status = TriggerEventStatus.Dropped, DropReason = EventDispatcher.TriggerDeletedReason }, e.ETag,
                        cancellationToken).ConfigureAwait(false);
                    dropped++;
                }
                catch (Exception ex) when (ex is DocumentPreconditionFailedException or DocumentMissingException)
                {
                    // The dispatcher got to it meanwhile.
                }
            }
        }
        return dropped;
    }

    /// <summary>A new signing secret, returned once; the previous ones keep working for <see cref="RotationOverlap"/>.</summary>
    public async Task<TriggerView> RotateSecretAsync(Caller caller, string triggerId, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTriggers);
        var current = await GetVisibleAsync(caller, triggerId, cancellationToken).ConfigureAwait(false);
        if (current.Value.System != TriggerSystem.Webhook) throw new ConflictException("Only a webhook trigger has a signing secret.");
        var now = time.GetUtcNow();
        var locator = Locator(caller.Tenant, triggerId);
        var kept = new List<SigningKeyVersion>();
        foreach (var key in current.Value.SigningKeys)
        {
            if (key.ExpiresAt is { } expires && expires <= now)
            {
                await vault.RetireVersionAsync(locator, key.VaultVersion, cancellationToken).ConfigureAwait(false);
                continue;
            }
            kept.Add(key.ExpiresAt is null ? key with { ExpiresAt = now + RotationOverlap } : key);
        }
        var secret = NewSigningSecret();
        kept.Add(new SigningKeyVersion(await vault.SetAsync(locator, Encoding.UTF8.GetBytes(secret), cancellationToken).ConfigureAwait(false), now, null));
        var updated = current.Value with { SigningKeys = kept, UpdatedAt = now };
        await store.For(caller.Tenant).ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Trigger {TriggerId} signing secret rotated by {UserId}", triggerId, caller.UserId);
        var state = await store.For(caller.Tenant).GetAsync<TriggerState>(triggerId, cancellationToken).ConfigureAwait(false);
        return View(updated, state?.Value) with { SigningSecret = secret };
    }

    /// <summary>One page of the trigger's events, newest first (event ids sort by time), each with its run or drop reason.</summary>
    public async Task<ListPage<TriggerEventView>> ListEventsAsync(Caller caller, string triggerId, ListRequest request, TriggerEventStatus? status, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewRuns);
        await GetVisibleAsync(caller, triggerId, cancellationToken).ConfigureAwait(false);
        var filter = new List<FieldEquals> { new("trigger_id", triggerId) };
        if (status is { } s) filter.Add(new FieldEquals("status", System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString())));
        var page = await ListCursor.ReadAsync<TriggerEvent>(store.For(caller.Tenant), $"trigger_events:{triggerId}:{status}", request, newestFirst: true,
            cancellationToken, [.. filter]).ConfigureAwait(false);
        return new ListPage<TriggerEventView>(page.Items.Select(e => TriggerEventView.From(e.Value)).ToList(), page.NextCursor);
    }

    /// <summary>
    /// Forgets the position of a listener that served only this trigger, so a trigger made (or switched on) later for the
    /// same source starts from its own first poll instead of replaying what arrived meanwhile.
    /// </summary>
    private static async Task ReleaseListenerAsync(ITenantDocuments documents, string triggerId, CancellationToken cancellationToken)
    {
        foreach (var cursor in await documents.ListAsync<Listeners.ListenerCursor>(cancellationToken).ConfigureAwait(false))
        {
            if (cursor.Value.TriggerIds is [var only] && only == triggerId)
            {
                try
                {
                    await documents.DeleteAsync<Listeners.ListenerCursor>(cursor.Value.Id, cursor.ETag, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is DocumentPreconditionFailedException or DocumentMissingException)
                {
                    // Polled meanwhile (by a group that now has other triggers too): that cursor stands.
                }
            }
        }
    }

    public static SecretLocator Locator(TenantId tenant, string triggerId) => new(tenant, "whk_" + triggerId, null);

    private async Task<Versioned<Trigger>> GetVisibleAsync(Caller caller, string triggerId, CancellationToken cancellationToken)
    {
        var trigger = Ids.LooksValid(triggerId) ? await store.For(caller.Tenant).GetAsync<Trigger>(triggerId, cancellationToken).ConfigureAwait(false) : null;
        if (trigger is null) throw new NotFoundException($"Trigger '{triggerId}'");
        try
        {
            await agents.GetAsync(caller, trigger.Value.AgentId, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException($"Trigger '{triggerId}'");
        }
        return trigger;
    }

    private async Task ValidateAsync(Caller caller, TriggerSystem system, string? credentialId, TriggerOptions options, CancellationToken cancellationToken)
    {
        var v = new Validation();
        if (system == TriggerSystem.Timer)
        {
            TimerSchedule.TryParse(options.Cron, options.TimeZone, out var cronError, out var zoneError);
            if (cronError is not null) v.Add("options.cron", cronError);
            if (zoneError is not null) v.Add("options.time_zone", zoneError);
        }
        else
        {
            v.Require(options.Cron is null && options.TimeZone is null && options.CatchUp is null, "options", "cron, time_zone and catch_up apply to timer triggers only");
        }
        v.Require(options.InputTemplate is null || options.InputTemplate.Length <= 8000, "options.input_template", "must be at most 8000 characters");
        if (system is TriggerSystem.HttpPoll or TriggerSystem.Gmail or TriggerSystem.Hubspot)
        {
            v.Require(options.IntervalSeconds is null || (options.IntervalSeconds >= (int)Listeners.PollScheduler.MinimumInterval.TotalSeconds && options.IntervalSeconds <= 86_400),
                "options.interval_seconds", $"must be between {(int)Listeners.PollScheduler.MinimumInterval.TotalSeconds} and 86400");
        }
        else
        {
            v.Require(options.IntervalSeconds is null && options.Backfill is null, "options", "interval_seconds and backfill apply to polling triggers only");
        }
        if (system == TriggerSystem.HttpPoll)
        {
            v.Require(Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(url.UserInfo),
                "options.url", "must be an absolute http(s) URL without user info");
            v.Require(options.Url is null || options.Url.Length <= 2048, "options.url", "must be at most 2048 characters");
            v.Require(options.IdField is null || FieldPath().IsMatch(options.IdField), "options.id_field", "must be a dot path of letters, digits, '_' and '-'");
            v.Require(options.TimestampField is null || FieldPath().IsMatch(options.TimestampField), "options.timestamp_field", "must be a dot path of letters, digits, '_' and '-'");
            v.Require(options.ItemsPath is null || options.ItemsPath.Length == 0 || FieldPath().IsMatch(options.ItemsPath), "options.items_path", "must be a dot path of letters, digits, '_' and '-'");
        }
        else
        {
            v.Require(options.Url is null && options.ItemsPath is null && options.IdField is null && options.TimestampField is null,
                "options", "url, items_path, id_field and timestamp_field apply to http_poll triggers only");
        }
        v.Require(system == TriggerSystem.Hubspot || options.ObjectType is null, "options.object_type", "applies to hubspot triggers only");
        v.Require(options.ObjectType is null || Listeners.HubSpotListener.ObjectTypes.Contains(options.ObjectType), "options.object_type",
            $"must be one of {string.Join(", ", Listeners.HubSpotListener.ObjectTypes.Select(t => $"'{t}'"))}");
        v.Require(system == TriggerSystem.Gmail || options.LabelId is null, "options.label_id", "applies to gmail triggers only");
        v.Require(options.LabelId is null || FieldPath().IsMatch(options.LabelId), "options.label_id", "must be a Gmail label id (letters, digits, '_' and '-')");
        if (system is TriggerSystem.Gmail or TriggerSystem.Hubspot)
        {
            v.Require(credentialId is not null, "credential_id", $"is required: {Wire(system)} is read with a credential (an OAuth access token)");
        }
        if (credentialId is not null)
        {
            var credential = Ids.LooksValid(credentialId)
                ? await store.For(caller.Tenant).GetAsync<Credential>(credentialId, cancellationToken).ConfigureAwait(false)
                : null;
            if (credential is null || (credential.Value.UserId is { } owner && owner != caller.UserId))
            {
                v.Add("credential_id", "does not name a credential you may use in this tenant");
            }
        }
        v.ThrowIfInvalid();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64}){0,7}$")]
    private static partial System.Text.RegularExpressions.Regex FieldPath();

    private static string Wire(TriggerSystem system) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(system.ToString());

    private TriggerView View(Trigger trigger, TriggerState? state)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<DateTimeOffset>? next = null;
        if (trigger.System == TriggerSystem.Timer && TimerSchedule.TryParse(trigger.Options.Cron, trigger.Options.TimeZone, out _, out _) is { } schedule)
        {
            next = schedule.Next(now, 5);
        }
        var health = new TriggerHealth(state?.LastEventAt, state?.LastPollAt, LagSeconds(trigger, state, now), state?.LastError, state?.LastErrorAt,
            state?.ConsecutiveFailures ?? 0, state?.EventCount ?? 0, state?.DroppedCount ?? 0, state?.DuplicateCount ?? 0);
        return new TriggerView(trigger.Id, trigger.AgentId, trigger.System, trigger.CredentialId, trigger.Options, trigger.Active, trigger.CreatedBy,
            trigger.CreatedAt, trigger.UpdatedAt, trigger.System == TriggerSystem.Webhook ? $"/api/v1/hooks/{trigger.Id}" : null, next, health);
    }

    /// <summary>
    /// How far behind its schedule a trigger is: for a timer, how long ago the first instant after the last one it
    /// fired (or skipped) fell due, when that is past; for a polling trigger, how long ago its next poll fell due. Zero
    /// while on time, growing while the clock or the listener is stalled; null for webhooks (pushed, never behind) and
    /// switched-off triggers.
    /// </summary>
    private static double? LagSeconds(Trigger trigger, TriggerState? state, DateTimeOffset now)
    {
        if (!trigger.Active) return null;
        DateTimeOffset? due = trigger.System switch
        {
            TriggerSystem.Webhook => null,
            TriggerSystem.Timer => TimerSchedule.TryParse(trigger.Options.Cron, trigger.Options.TimeZone, out _, out _) is { } schedule
                && schedule.Next(state?.LastFiredInstant ?? trigger.CreatedAt, 1) is [var first] ? first : null,
            // Never polled: the first poll is due from the trigger's creation.
            _ => state?.NextPollAt ?? trigger.CreatedAt,
        };
        return due is { } at ? Math.Max(0, (now - at).TotalSeconds) : null;
    }

    private static TriggerDirectoryEntry Directory(Trigger trigger) =>
        new(trigger.Id, TenantId.Platform, trigger.TenantId, trigger.System, trigger.Active);

    /// <summary>Standard Webhooks secret: <c>whsec_</c> and 32 random bytes in base64.</summary>
    private static string NewSigningSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
