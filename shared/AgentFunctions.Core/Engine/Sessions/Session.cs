using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Sessions;

/// <summary>A chat conversation with one agent. <see cref="MessageCount"/> orders its messages and guards appends (ETag).</summary>
public sealed record Session(
    string Id,
    TenantId TenantId,
    string AgentId,
    string UserId,
    string? Title,
    int MessageCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "session";
}
