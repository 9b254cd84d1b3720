namespace AgentFunctions.Triggers;

/// <summary>A message on the event bus. The type names its topic; <see cref="MessageId"/> is the dedupe key.</summary>
public interface IBusMessage
{
    static abstract string Topic { get; }

    string MessageId { get; }
}

/// <summary>
/// The event bus port: Service Bus in Azure (message id = <see cref="IBusMessage.MessageId"/>, duplicate detection on),
/// a durable local queue locally (survives kill -9, at-least-once, dedupe by message id). Consumers are idempotent.
/// </summary>
public interface IEventBus
{
    /// <summary>Durable when the task completes. Publishing the same message id twice delivers it once while it is queued.</summary>
    Task PublishAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage;

    /// <summary>
    /// For a message whose own record is durable already and is published again if it is lost (an outbox: a trigger
    /// event left queued is swept up by the clock): the local bus delivers it from memory, without a second durable
    /// write; Service Bus sends it as <see cref="PublishAsync"/> does.
    /// </summary>
    Task NotifyAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage;
}

/// <summary>A consumer of one topic, as a bus adapter calls it. Handlers are idempotent: delivery is at least once.</summary>
public interface IBusSubscription
{
    string Topic { get; }

    Task HandleAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken);
}

/// <summary>Binds a typed handler to its message's topic.</summary>
public sealed class BusSubscription<T>(Func<T, CancellationToken, Task> handler) : IBusSubscription
    where T : IBusMessage
{
    public string Topic => T.Topic;

    public Task HandleAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        handler(System.Text.Json.JsonSerializer.Deserialize<T>(json.Span, AgentFunctions.Common.PlatformJson.Stored)
            ?? throw new System.Text.Json.JsonException($"A null {typeof(T).Name} on topic {T.Topic}."), cancellationToken);
}
