namespace AgentFunctions.Engine.Models;

/// <summary>
/// A model call that failed after the adapter's own resilience (timeout, retries, circuit breaker) gave up. The
/// engine ends the run with a model-error status; the message is safe to show (no keys, no prompt content).
/// </summary>
public sealed class ChatModelException(ChatModelFailure failure, string message, int? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    public ChatModelFailure Failure { get; } = failure;

    /// <summary>The last HTTP status the endpoint answered, if any.</summary>
    public int? Status { get; } = status;
}
