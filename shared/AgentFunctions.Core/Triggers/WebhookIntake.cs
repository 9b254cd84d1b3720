using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace AgentFunctions.Triggers;

/// <summary>
/// <c>POST /api/v1/hooks/{triggerId}</c>: checks the Standard Webhooks signature against every signing secret the
/// trigger accepts, records the event under an id derived from <c>webhook-id</c> (so a redelivery is the same event),
/// and puts it on the bus. No run work happens here.
/// </summary>
public sealed class WebhookIntake(IDocumentStore store, ISecretVault vault, IEventBus bus, TimeProvider time, ILogger<WebhookIntake> logger)
{
    public const int MaxBodyBytes = 256 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    // Secret versions never change once written, so a verifier built from one can be kept for the process's life.
    private readonly ConcurrentDictionary<(string Trigger, string Version), StandardWebhook> verifiers = new();

    /// <exception cref="NotFoundException">No such trigger, not a webhook, or switched off: one answer, no oracle.</exception>
    /// <exception cref="WebhookUnauthorizedException">Missing or bad signature, or a timestamp outside the tolerance.</exception>
    public async Task<WebhookAccepted> AcceptAsync(string triggerId, ReadOnlyMemory<byte> body, IHeaderDictionary headers, CancellationToken cancellationToken = default)
    {
        using var span = Observability.PlatformTelemetry.StartTriggerIntake(TriggerSystem.Webhook.ToString(), triggerId);
        var trigger = await FindAsync(triggerId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"Trigger '{triggerId}'");
        using var scope = Observability.LogScopes.BeginPlatformScope(logger, tenantId: trigger.TenantId.Value, agentId: trigger.AgentId, triggerId: trigger.Id);

        var webhookId = headers["webhook-id"].ToString();
        if (string.IsNullOrEmpty(webhookId) || string.IsNullOrEmpty(headers["webhook-timestamp"].ToString()) || string.IsNullOrEmpty(headers["webhook-signature"].ToString()))
        {
            throw new WebhookUnauthorizedException("Sign the delivery as Standard Webhooks defines: webhook-id, webhook-timestamp and webhook-signature headers.");
        }
        if (webhookId.Length > 256) throw new WebhookUnauthorizedException("webhook-id is longer than 256 characters.");

        string payload;
        try
        {
            payload = StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            throw new WebhookUnauthorizedException("The body is not UTF-8, so its signature cannot match.");
        }
        await VerifyAsync(trigger, payload, headers, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        var documents = store.For(trigger.TenantId);
        RecordedEvent recorded;
        // The parsed body is written into the event's document before the commit is queued; it is not kept after.
        using (var parsed = ParseDocument(payload))
        {
            var e = new TriggerEvent(string.Empty, trigger.TenantId, trigger.Id, trigger.AgentId, TriggerSystem.Webhook, now,
                parsed?.RootElement ?? JsonSerializer.SerializeToElement(payload), TriggerEventStatus.Queued, null, null, webhookId, now);
            recorded = await EventRecorder.RecordAsync(documents, e, EventIds.ForWebhook(trigger.Id, webhookId), cancellationToken).ConfigureAwait(false);
        }
        // A duplicate still queued may have been recorded and never reached the bus: publishing again is harmless
        // (the bus and the dispatcher dedupe by event id).
        if (recorded.NeedsPublish && recorded.EventId.Length > 0)
        {
            await bus.NotifyAsync(new TriggerEventReceived(trigger.TenantId, recorded.EventId, trigger.Id), cancellationToken).ConfigureAwait(false);
        }
        Observability.PlatformTelemetry.TriggerEventTaken(span, TriggerSystem.Webhook.ToString(), trigger.TenantId.Value, recorded.EventId, recorded.Duplicate);
        if (recorded.Duplicate)
        {
            await TriggerStates.UpdateAsync(documents, trigger.Id, s => s with { DuplicateCount = s.DuplicateCount + 1 }, cancellationToken).ConfigureAwait(false);
            if (logger.IsEnabled(LogLevel.Information)) logger.LogInformation("Webhook delivery {WebhookId} to trigger {TriggerId} is a duplicate of event {EventId}", webhookId, trigger.Id, recorded.EventId);
        }
        else if (logger.IsEnabled(LogLevel.Information))
        {
            // Guarded: the params array and its boxes would be made per delivery even with Information off.
            logger.LogInformation("Webhook delivery {WebhookId} to trigger {TriggerId} recorded as event {EventId}", webhookId, trigger.Id, recorded.EventId);
        }
        return new WebhookAccepted(recorded.EventId.Length > 0 ? recorded.EventId : null, recorded.Duplicate);
    }

    private async Task<Trigger?> FindAsync(string triggerId, CancellationToken cancellationToken)
    {
        if (!Ids.LooksValid(triggerId)) return null;
        var entry = await store.For(TenantId.Platform).GetAsync<TriggerDirectoryEntry>(triggerId, cancellationToken).ConfigureAwait(false);
        if (entry is null || entry.Value.System != TriggerSystem.Webhook) return null;
        var trigger = await store.For(entry.Value.Owner).GetAsync<Trigger>(triggerId, cancellationToken).ConfigureAwait(false);
        return trigger is { Value.Active: true, Value.System: TriggerSystem.Webhook } ? trigger.Value : null;
    }

    private async Task VerifyAsync(Trigger trigger, string payload, IHeaderDictionary headers, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The header may carry several space-separated signatures (a sender mid-rotation signs with each secret). The
        // package (1.1.2) gives up at the first one that does not match, so each is offered to it on its own; the HMAC,
        // the constant-time compare and the 5-minute timestamp tolerance stay the package's.
        var signatures = headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (signatures.Length > 10) throw new WebhookUnauthorizedException("webhook-signature carries more than 10 signatures.");
        // One set of headers for every attempt; only the signature changes between them.
        var single = new HeaderDictionary(3)
        {
            ["webhook-id"] = headers["webhook-id"],
            ["webhook-timestamp"] = headers["webhook-timestamp"],
        };
        foreach (var key in trigger.SigningKeys)
        {
            if (key.ExpiresAt is { } expires && expires <= now) continue;
            var webhook = await VerifierAsync(trigger, key.VaultVersion, cancellationToken).ConfigureAwait(false);
            if (webhook is null) continue;
            foreach (var signature in signatures)
            {
                single["webhook-signature"] = signature;
                try
                {
                    webhook.Verify(payload, single);
                    return;
                }
                catch (WebhookVerificationException)
                {
                }
            }
        }
        throw new WebhookUnauthorizedException("The webhook signature does not match, or its timestamp is more than 5 minutes away.");
    }

    private async Task<StandardWebhook?> VerifierAsync(Trigger trigger, string version, CancellationToken cancellationToken)
    {
        if (verifiers.TryGetValue((trigger.Id, version), out var cached)) return cached;
        var bytes = await vault.GetAsync(TriggerService.Locator(trigger.TenantId, trigger.Id), version, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return null;
        var verifier = new StandardWebhook(Encoding.UTF8.GetString(bytes));
        verifiers[(trigger.Id, version)] = verifier;
        return verifier;
    }

    /// <summary>The body as JSON, or null when it is not JSON (then it is kept as one string, so the agent still sees exactly what was sent).</summary>
    private static JsonDocument? ParseDocument(string payload)
    {
        try
        {
            return JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>401 for a webhook: no API key is involved, the signature is the credential.</summary>
public sealed class WebhookUnauthorizedException(string message) : PlatformException(message);
