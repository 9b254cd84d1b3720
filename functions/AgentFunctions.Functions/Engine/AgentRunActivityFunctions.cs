using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Tools;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Engine;

/// <summary>The loop's activities: each one calls the shared <see cref="AgentRunActivities"/> method of the same name.</summary>
public sealed class AgentRunActivityFunctions(AgentRunActivities activities)
{
    [Function(EngineNames.PrepareRun)]
    public Task<RunPreparation> PrepareRun([ActivityTrigger] AgentRunInput input, CancellationToken cancellationToken) =>
        activities.PrepareRunAsync(input, cancellationToken);

    [Function(EngineNames.CallModel)]
    public Task<ChatCompletion> CallModel([ActivityTrigger] ModelCallInput input, CancellationToken cancellationToken) =>
        activities.CallModelAsync(input, cancellationToken);

    [Function(EngineNames.ExecuteTool)]
    public Task<ToolResult> ExecuteTool([ActivityTrigger] ToolCallInput call, CancellationToken cancellationToken) =>
        activities.ExecuteToolAsync(call, cancellationToken);

    [Function(EngineNames.ExecuteReadOnlyTool)]
    public Task<ToolResult> ExecuteReadOnlyTool([ActivityTrigger] ToolCallInput call, CancellationToken cancellationToken) =>
        activities.ExecuteToolAsync(call, cancellationToken);

    [Function(EngineNames.CompleteRun)]
    public Task<bool> CompleteRun([ActivityTrigger] RunCompletion completion, CancellationToken cancellationToken) =>
        activities.CompleteAsync(completion, cancellationToken);

    [Function(EngineNames.FailRun)]
    public async Task<bool> FailRun([ActivityTrigger] RunFailure failure, CancellationToken cancellationToken)
    {
        await activities.FailRunAsync(failure.Run, failure.Reason, cancellationToken);
        return true;
    }
}
