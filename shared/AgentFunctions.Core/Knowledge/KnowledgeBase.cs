using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Knowledge;

/// <summary>
/// A collection of documents of one tenant that agents attach by id (<c>knowledge.knowledge_base_ids</c>).
/// <see cref="ChunkTokens"/> and <see cref="OverlapTokens"/> are o200k tokens; every chunk also fits the embedder's window.
/// </summary>
public sealed record KnowledgeBase(
    string Id,
    TenantId TenantId,
    string Name,
    string? Description,
    int ChunkTokens,
    int OverlapTokens,
    string CreatedBy,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "knowledge_base";
}
