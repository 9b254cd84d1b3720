using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tenancy;

/// <summary>A company on the platform. Stored in its own partition; a directory entry sits in the platform partition.</summary>
public sealed record Tenant(
    string Id,
    TenantId TenantId,
    string Name,
    string Plan,
    TenantContact? Contact,
    string DefaultTeamId,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "tenant";
}

public sealed record TenantContact(string? Name, string? Email, string? Phone);
