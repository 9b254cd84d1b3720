using AgentFunctions.Engine.Knowledge;

namespace AgentFunctions.Api.Engine;

/// <summary>
/// For a host with no knowledge index wired yet (the Functions app until AI Search lands): an agent that asks for
/// knowledge fails to prepare with this reason rather than answering as if its documents were empty.
/// </summary>
public sealed class UnconfiguredKnowledgeRetriever : IKnowledgeRetriever
{
    public Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(KnowledgeQuery query, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("No knowledge index is configured on this host; disable knowledge for this agent or configure the index.");
}
