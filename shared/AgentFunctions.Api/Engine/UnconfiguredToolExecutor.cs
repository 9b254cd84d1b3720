using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Api.Engine;

/// <summary>Stand-by executor when no tools feature is registered: every call fails back to the model, nothing runs.</summary>
internal sealed class UnconfiguredToolExecutor : IToolExecutor
{
    public Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default) =>
        Task.FromResult(ToolResult.Failure($"No tool executor is configured on this host; '{invocation.ToolName}' was not run."));
}
