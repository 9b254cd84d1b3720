using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tenancy;

public sealed record Team(string Id, TenantId TenantId, string Name, DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "team";
}
