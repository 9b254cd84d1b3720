// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskOrchestrationContext.cs
// (package Microsoft.DurableTask.Abstractions). Abstract members stay abstract; the real virtual / non-virtual helpers
// keep their modifiers and throw here. Subset: Parent, InstanceVersion, Entities, SendEvent and the anonymous-activity
// overload are left out.
using Microsoft.Extensions.Logging;

namespace Microsoft.DurableTask;

public abstract class TaskOrchestrationContext
{
    public abstract TaskName Name { get; }

    public abstract string InstanceId { get; }

    public abstract DateTime CurrentUtcDateTime { get; }

    public abstract bool IsReplaying { get; }

    protected abstract ILoggerFactory LoggerFactory { get; }

    public abstract T? GetInput<T>();

    public virtual Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual Task CallActivityAsync(TaskName name, TaskOptions options) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual Task<TResult> CallActivityAsync<TResult>(TaskName name, TaskOptions options) =>
        throw new NotSupportedException("compile-only stand-in");

    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) =>
        throw new NotSupportedException("compile-only stand-in");

    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    public Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout) =>
        throw new NotSupportedException("compile-only stand-in");

    public abstract void SetCustomStatus(object? customStatus);

    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null);

    public virtual Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, TaskOptions options) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual Task CallSubOrchestratorAsync(TaskName orchestratorName, TaskOptions options) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual Task CallSubOrchestratorAsync(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException("compile-only stand-in");

    public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    public abstract Guid NewGuid();

    public ILogger CreateReplaySafeLogger(string categoryName) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual ILogger CreateReplaySafeLogger(Type type) =>
        throw new NotSupportedException("compile-only stand-in");

    public virtual ILogger CreateReplaySafeLogger<T>() =>
        throw new NotSupportedException("compile-only stand-in");
}
