using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Sessions;

/// <summary>A chat conversation with one agent. Its messages are separate records written with each turn's run.</summary>
public sealed record Session(
    string Id,
    TenantId TenantId,
    string AgentId,
    string UserId,
    string? Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "session";
}
