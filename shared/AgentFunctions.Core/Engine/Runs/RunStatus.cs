namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Where a run stands. Each budget has its own final status, so a client can tell which limit ended the run.
/// Wire names are snake_case: <c>running</c>, <c>awaiting_approval</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>,
/// <c>tool_call_limit_reached</c>, <c>loop_limit_reached</c>, <c>token_limit_reached</c>, <c>time_limit_reached</c>, <c>budget_exceeded</c> (the tenant's monthly token budget, not the agent's).
/// </summary>
public enum RunStatus
{
    Running,
    AwaitingApproval,
    Completed,
    Failed,
    Cancelled,
    ToolCallLimitReached,
    LoopLimitReached,
    TokenLimitReached,
    TimeLimitReached,
    BudgetExceeded,
}
