using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// A tool call as an activity runs it: the activity stores what the model reads back (as the answer to the model's
/// <see cref="ModelCallId"/>) at <see cref="TranscriptIndex"/> and returns the result with a preview of its content.
/// </summary>
public sealed record ToolCallInput(ToolInvocation Invocation, int TranscriptIndex, string ModelCallId);
