using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// The agent loop on Durable Functions: the shared <see cref="AgentRunOrchestration"/> behind the orchestration port.
/// The run id is the instance id; agent-as-tool runs as a sub-orchestration of this same function.
/// </summary>
public static class AgentRunOrchestrator
{
    [Function(EngineNames.AgentRun)]
    public static async Task<RunOutcome> RunAgent([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<AgentRunInput>()
            ?? throw new InvalidOperationException($"Orchestration {context.InstanceId} has no input.");
        try
        {
            return await AgentRunOrchestration.RunAsync(new DurableOrchestrationContext(context), input);
        }
        catch (Exception ex) when (ex is not (ActivityFailedException or TaskCanceledException or OperationCanceledException))
        {
            // A bug outside the loop's own handling: close the run as failed (an activity, so it is replay-safe), then fail.
            await context.CallActivityAsync<bool>(EngineNames.FailRun, new RunFailure(input, $"{ex.GetType().Name}: {ex.Message}"));
            throw;
        }
    }
}
