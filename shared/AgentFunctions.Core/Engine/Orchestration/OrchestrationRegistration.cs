namespace AgentFunctions.Engine.Orchestration;

/// <summary>A registered orchestration: typed input/output and its body, erased for dispatch by name.</summary>
public sealed record OrchestrationRegistration(
    string Name,
    Type InputType,
    Type OutputType,
    Func<IOrchestrationContext, object?, Task<object?>> Run,
    Func<object?, string, CancellationToken, Task>? OnFailed);
