namespace AgentFunctions.Engine.Runs;

/// <summary>Engine-wide settings with named defaults.</summary>
public sealed record EngineOptions
{
    /// <summary>How long a "requires approval" call waits before it is refused.</summary>
    public int ApprovalTimeoutSeconds { get; init; } = 15 * 60;

    /// <summary>How long a synchronous execute waits before answering 202 with the run's location.</summary>
    public int DefaultWaitSeconds { get; init; } = 30;

    public int MaxWaitSeconds { get; init; } = 120;

    public int MaxInputLength { get; init; } = 32_000;
}
