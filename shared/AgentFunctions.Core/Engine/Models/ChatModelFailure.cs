namespace AgentFunctions.Engine.Models;

public enum ChatModelFailure
{
    /// <summary>The overall time budget of the call ran out.</summary>
    Timeout,

    /// <summary>429 after every retry.</summary>
    RateLimited,

    /// <summary>5xx or connection failures after every retry.</summary>
    Unavailable,

    /// <summary>The circuit breaker is open after repeated failures; the endpoint was not called.</summary>
    CircuitOpen,

    /// <summary>A 4xx other than 429 (bad request, auth, unknown deployment): retrying will not help.</summary>
    Rejected,
}
