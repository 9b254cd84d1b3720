using AgentFunctions.Common;
using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// A model call by reference: the model reads the run's transcript up to <see cref="Index"/> and its answer is stored
/// there. <see cref="Appended"/> holds only the messages the orchestration itself made since the previous call (refused
/// or rejected calls, child agents' answers), written first; tool results are written by their own activities.
/// </summary>
public sealed record ModelCallInput(
    TenantId Tenant,
    string RunId,
    string Model,
    IReadOnlyList<ToolSchema> Tools,
    int MaxOutputTokens,
    int Index,
    IReadOnlyList<TranscriptEntry> Appended)
{
    /// <summary>The run's trace context (<see cref="AgentRunInput.Trace"/>).</summary>
    public Observability.TraceContext? Trace { get; init; }
}
