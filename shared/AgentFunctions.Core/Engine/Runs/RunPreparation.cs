using AgentFunctions.Agents;
using AgentFunctions.Engine.Models;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Everything the loop needs, read once by the PrepareRun activity and recorded in history, so a replay sees the
/// same agent version and tools even if the agent changed meanwhile. The activity stores the prompt and the user's
/// message as the start of the run's transcript (<see cref="IRunTranscript"/>): it returns them with
/// <see cref="Prompt"/> empty and <see cref="TranscriptLength"/> their count. It also makes the loop's first model call
/// (<see cref="FirstCompletion"/>, or <see cref="FirstCallFailure"/> when the call failed): one activity fewer per run,
/// so one fewer Durable work item and result (storage transactions or Scheduler actions) and one fewer execution and
/// orchestrator episode, and the first call needs no transcript read. Both are null when the activity did not call the
/// model (not ready, max_loops of 0, or a history recorded before the activity did this): the loop then calls it.
/// </summary>
public sealed record RunPreparation(
    bool Ready,
    string? Reason,
    string AgentOwnerId,
    int AgentVersion,
    string Model,
    IReadOnlyList<ChatMessage> Prompt,
    IReadOnlyList<ResolvedTool> Tools,
    AgentLimits Limits,
    IReadOnlyList<Citation> Citations,
    int ApprovalTimeoutSeconds,
    AgentScope Scope = AgentScope.User,
    string TeamId = "",
    int TranscriptLength = 0,
    ChatCompletion? FirstCompletion = null,
    string? FirstCallFailure = null)
{
    public static RunPreparation NotReady(string reason) =>
        new(false, reason, string.Empty, 0, string.Empty, [], [], AgentLimits.Default, [], 0);
}
