using AgentFunctions.Common;

namespace AgentFunctions.Usage;

/// <summary>
/// A plan limit refused work before it started. <see cref="Limit"/> names the limit (snake_case, as in the plan);
/// <see cref="RetryAfter"/> is when trying again can succeed (a rate's window end, a budget's month end).
/// Budgets answer 402, rates and counts 429; both as problem+json, rates with <c>Retry-After</c>.
/// </summary>
public sealed class UsageLimitExceededException(string limit, string message, TimeSpan? retryAfter, bool isBudget) : PlatformException(message)
{
    /// <summary>Marks a model call refused for the tenant's budget; the agent loop ends the run with <c>budget_exceeded</c>.</summary>
    public const string BudgetMarker = "[budget_exceeded]";

    public string Limit { get; } = limit;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool IsBudget { get; } = isBudget;
}
