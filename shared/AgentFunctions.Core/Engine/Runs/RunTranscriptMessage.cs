using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// One message of a run's transcript as a document (<see cref="StoredRunTranscript"/>). Id is <c>{runId}.{index:D5}</c>.
/// The run's start is one document at index 0: <see cref="Following"/> holds the messages at indices 1, 2, ... of the start.
/// </summary>
public sealed record RunTranscriptMessage(string Id, TenantId TenantId, string RunId, int Index, ChatMessage Message, IReadOnlyList<ChatMessage>? Following = null) : IDocument
{
    public static string Kind => "run_message";

    public static string IdFor(string runId, int index) => $"{runId}.{index:D5}";
}
