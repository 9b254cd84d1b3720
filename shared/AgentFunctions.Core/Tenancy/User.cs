using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tenancy;

/// <summary>A person of a tenant: one role, member of one or more of its teams.</summary>
public sealed record User(
    string Id,
    TenantId TenantId,
    string Email,
    string? DisplayName,
    Role Role,
    IReadOnlyList<string> TeamIds,
    bool Disabled,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "user";
}
