using System.Collections.Concurrent;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Observability;
using AgentFunctions.Triggers;
using Azure.Messaging.ServiceBus;

namespace AgentFunctions.Azure.ServiceBus;

/// <summary>
/// The event bus on Service Bus: one topic per message type (<see cref="IBusMessage.Topic"/>), message id = the
/// message's dedupe key, so the topic's duplicate detection drops a second publish of the same event. The client
/// authenticates with the app's managed identity; the Service Bus-triggered function consumes the subscription.
/// </summary>
public sealed class ServiceBusEventBus(ServiceBusClient client) : IEventBus, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServiceBusSender> senders = new(StringComparer.Ordinal);

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage
    {
        var sender = senders.GetOrAdd(T.Topic, client.CreateSender);
        using var span = PlatformTelemetry.StartPublish(T.Topic, message.MessageId);
        return sender.SendMessageAsync(ToMessage(message), cancellationToken);
    }

    public Task NotifyAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage => PublishAsync(message, cancellationToken);

    public static ServiceBusMessage ToMessage<T>(T message)
        where T : IBusMessage
    {
        var sent = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, PlatformJson.Stored)))
        {
            MessageId = message.MessageId,
            ContentType = "application/json",
            Subject = T.Topic,
            // The tenant goes along as a property so a subscription rule or an operator can see whose event it is.
            ApplicationProperties = { ["topic"] = T.Topic },
        };
        // The sender's trace context and request id: the consuming function's span continues the same trace (TraceContextOf).
        if (PlatformTelemetry.Capture() is { } trace)
        {
            sent.ApplicationProperties[PlatformTelemetry.TraceParentProperty] = trace.TraceParent;
            if (trace.RequestId is { } requestId) sent.ApplicationProperties[PlatformTelemetry.RequestIdBaggage] = requestId;
        }
        return sent;
    }

    /// <summary>The trace context a message carries, from the application properties as the trigger binding hands them over (JSON).</summary>
    public static TraceContext? TraceContextOf(string? applicationPropertiesJson)
    {
        if (string.IsNullOrEmpty(applicationPropertiesJson)) return null;
        try
        {
            using var properties = JsonDocument.Parse(applicationPropertiesJson);
            var root = properties.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty(PlatformTelemetry.TraceParentProperty, out var traceParent) || traceParent.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            var requestId = root.TryGetProperty(PlatformTelemetry.RequestIdBaggage, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            return new TraceContext(traceParent.GetString()!, requestId);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in senders.Values) await sender.DisposeAsync().ConfigureAwait(false);
    }
}
