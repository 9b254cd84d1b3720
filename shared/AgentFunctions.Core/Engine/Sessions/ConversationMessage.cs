using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Sessions;

/// <summary>A message of a session. Id is <c>{sessionId}.{sequence:D6}</c>, so ids sort in conversation order.</summary>
public sealed record ConversationMessage(
    string Id,
    TenantId TenantId,
    string SessionId,
    int Sequence,
    ChatRole Role,
    string Content,
    string? RunId,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "message";

    public static string IdFor(string sessionId, int sequence) => $"{sessionId}.{sequence:D6}";
}
