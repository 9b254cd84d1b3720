using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tenancy;

/// <summary>The platform partition's list of tenants, so the platform admin can list them without a cross-partition query.</summary>
public sealed record TenantDirectoryEntry(string Id, TenantId TenantId, string Name, string Plan, DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "tenant_directory";
}
