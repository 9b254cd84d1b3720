namespace AgentFunctions.Engine.Orchestration;

/// <summary>
/// Orchestrations and activities by name, for a runner that dispatches them itself (the local runner). The Durable
/// Functions app binds the same names with <c>[Function]</c> attributes instead.
/// </summary>
public sealed class OrchestrationRegistry
{
    private readonly Dictionary<string, OrchestrationRegistration> orchestrations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityRegistration> activities = new(StringComparer.Ordinal);

    /// <param name="onFailed">Called (outside the orchestration) when an instance fails in a way its own code could not
    /// handle, e.g. non-determinism or an unreadable history, so the record it owns can be closed.</param>
    public OrchestrationRegistry AddOrchestration<TInput, TOutput>(
        string name,
        Func<IOrchestrationContext, TInput, Task<TOutput>> body,
        Func<TInput, string, CancellationToken, Task>? onFailed = null)
    {
        orchestrations[name] = new OrchestrationRegistration(
            name,
            typeof(TInput),
            typeof(TOutput),
            async (context, input) => await body(context, (TInput)input!).ConfigureAwait(false),
            onFailed is null ? null : (input, reason, ct) => onFailed((TInput)input!, reason, ct));
        return this;
    }

    public OrchestrationRegistry AddActivity<TInput, TOutput>(string name, Func<TInput, CancellationToken, Task<TOutput>> body, ActivityEffect effect = ActivityEffect.Idempotent)
    {
        activities[name] = new ActivityRegistration(name, typeof(TInput), typeof(TOutput), effect,
            async (input, ct) => await body((TInput)input!, ct).ConfigureAwait(false));
        return this;
    }

    public IReadOnlyCollection<string> ActivityNames => activities.Keys;

    public IReadOnlyCollection<string> OrchestrationNames => orchestrations.Keys;

    public OrchestrationRegistration Orchestration(string name) =>
        orchestrations.TryGetValue(name, out var registration) ? registration : throw new InvalidOperationException($"No orchestration named '{name}' is registered.");

    public ActivityRegistration Activity(string name) =>
        activities.TryGetValue(name, out var registration) ? registration : throw new InvalidOperationException($"No activity named '{name}' is registered.");
}
