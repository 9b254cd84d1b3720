using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>
/// What an index call may touch: one tenant and a non-empty set of its knowledge bases. Every index method takes one, so
/// no call can be written without the tenant filter.
/// </summary>
public sealed record IndexScope
{
    public IndexScope(TenantId tenant, IReadOnlyList<string> knowledgeBaseIds)
    {
        ArgumentNullException.ThrowIfNull(knowledgeBaseIds);
        if (knowledgeBaseIds.Count == 0 || knowledgeBaseIds.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("An index scope names at least one knowledge base.", nameof(knowledgeBaseIds));
        }
        Tenant = tenant;
        KnowledgeBaseIds = knowledgeBaseIds.Distinct(StringComparer.Ordinal).ToList();
    }

    public TenantId Tenant { get; }

    public IReadOnlyList<string> KnowledgeBaseIds { get; }

    public static IndexScope Of(TenantId tenant, string knowledgeBaseId) => new(tenant, [knowledgeBaseId]);
}
