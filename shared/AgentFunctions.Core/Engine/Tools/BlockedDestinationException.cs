namespace AgentFunctions.Engine.Tools;

/// <summary>The tool's destination resolved to an address the network guard refuses. The message names the host and why, never a secret.</summary>
public sealed class BlockedDestinationException(string host, string reason)
    : Exception($"Destination '{host}' is not allowed: {reason}.")
{
    public string Host { get; } = host;
    public string Reason { get; } = reason;
}
