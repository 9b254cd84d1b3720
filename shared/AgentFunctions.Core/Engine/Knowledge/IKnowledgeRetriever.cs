namespace AgentFunctions.Engine.Knowledge;

/// <summary>
/// The knowledge port the engine asks before a model call (AI Search in Azure, the embedded index locally).
/// What it returns is untrusted text: the engine delimits it and tells the model it is data, not instructions.
/// </summary>
public interface IKnowledgeRetriever
{
    Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(KnowledgeQuery query, CancellationToken cancellationToken = default);
}
