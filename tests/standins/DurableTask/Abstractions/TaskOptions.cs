// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskOptions.cs
// (TaskOptions, SubOrchestrationOptions, StartOrchestrationOptions live in that one file, namespace Microsoft.DurableTask).
// Subset: Version properties (TaskVersion) and the retry-handler factories are left out.
namespace Microsoft.DurableTask;

public record TaskOptions
{
    public TaskOptions(TaskRetryOptions? retry)
    {
        Retry = retry;
    }

    public TaskOptions(TaskRetryOptions? retry = null, IDictionary<string, string>? tags = null)
    {
        Retry = retry;
        Tags = tags;
    }

    public TaskRetryOptions? Retry { get; init; }

    public IDictionary<string, string>? Tags { get; init; }

    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => throw new NotSupportedException("compile-only stand-in");

    public SubOrchestrationOptions WithInstanceId(string instanceId) => throw new NotSupportedException("compile-only stand-in");
}

public record SubOrchestrationOptions : TaskOptions
{
    public SubOrchestrationOptions(TaskRetryOptions? retry = null, string? instanceId = null)
        : base(retry)
    {
        InstanceId = instanceId;
    }

    public SubOrchestrationOptions(TaskOptions options, string? instanceId = null)
        : base(options)
    {
        InstanceId = instanceId;
    }

    public string? InstanceId { get; init; }
}

public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null)
{
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
