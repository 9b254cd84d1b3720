namespace AgentFunctions.Engine.Orchestration;

/// <summary>A registered activity: typed input/output, its effect class and its body, erased for dispatch by name.</summary>
public sealed record ActivityRegistration(string Name, Type InputType, Type OutputType, ActivityEffect Effect, Func<object?, CancellationToken, Task<object?>> Run);
