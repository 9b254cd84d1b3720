using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Sessions;

/// <summary>
/// A message of a session, written by the run of its turn. Id is <c>{sessionId}.{turn start ticks}.{runId}.{n}</c>: ids
/// sort in conversation order, and a re-run of the write after a crash rewrites the same records (no counter to race on).
/// </summary>
public sealed record ConversationMessage(
    string Id,
    TenantId TenantId,
    string SessionId,
    string RunId,
    ChatRole Role,
    string Content,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "message";

    public static string IdFor(string sessionId, DateTimeOffset turnStartedAt, string runId, int index) =>
        $"{sessionId}.{turnStartedAt.UtcTicks:D19}.{runId}.{index}";
}
