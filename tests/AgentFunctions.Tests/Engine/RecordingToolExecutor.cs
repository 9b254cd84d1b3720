using System.Collections.Concurrent;
using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Tests.Engine;

/// <summary>A tool executor double: answers <c>{tool} ok {args}</c> and counts executions per call id (the side effect).</summary>
public sealed class RecordingToolExecutor : IToolExecutor
{
    public ConcurrentDictionary<string, int> ExecutionsByCallId { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<ToolInvocation> Invocations { get; } = new();

    /// <summary>Runs inside each execution (e.g. to move a manual clock).</summary>
    public Action<ToolInvocation>? OnExecute { get; set; }

    public int TotalExecutions => ExecutionsByCallId.Values.Sum();

    /// <summary>Awaited inside each execution with the activity's cancellation token (e.g. to hold a call until a test releases it).</summary>
    public Func<ToolInvocation, CancellationToken, Task>? OnExecuteAsync { get; set; }

    /// <summary>Characters appended to every result, for runs with large tool results.</summary>
    public int ResultPadding { get; set; }

    public async Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ExecutionsByCallId.AddOrUpdate(invocation.CallId, 1, (_, n) => n + 1);
        Invocations.Enqueue(invocation);
        OnExecute?.Invoke(invocation);
        if (OnExecuteAsync is { } hook) await hook(invocation, cancellationToken);
        return new ToolResult(true, $"{invocation.ToolName} ok {invocation.ArgumentsJson}" + new string('r', ResultPadding), null, 1, TimeSpan.FromMilliseconds(1));
    }
}
