namespace AgentFunctions.Engine.Orchestration;

/// <summary>The outcome of waiting for an external event: received with its payload, or timed out.</summary>
public sealed record ExternalEventResult<T>(bool Received, T? Payload)
{
    public static ExternalEventResult<T> TimedOut { get; } = new(false, default);
}
