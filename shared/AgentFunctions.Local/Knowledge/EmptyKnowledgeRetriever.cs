using AgentFunctions.Engine.Knowledge;

namespace AgentFunctions.Local.Knowledge;

/// <summary>The local knowledge adapter until the embedded index exists: retrieves nothing.</summary>
public sealed class EmptyKnowledgeRetriever : IKnowledgeRetriever
{
    public Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(KnowledgeQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<KnowledgeSnippet>>([]);
}
