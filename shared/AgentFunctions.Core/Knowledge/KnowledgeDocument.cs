using System.Text.Json.Serialization;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Knowledge;

/// <summary>
/// A document of a knowledge base. <see cref="Version"/> counts uploads (PUT makes a new one); <see cref="IndexedVersion"/>
/// is the version whose chunks the index serves (null until one is indexed), so a failed new version leaves the last good
/// one searchable and says why in <see cref="Reason"/>.
/// </summary>
public sealed record KnowledgeDocument(
    string Id,
    TenantId TenantId,
    string KnowledgeBaseId,
    string Name,
    string ContentType,
    FileFormat Format,
    long SizeBytes,
    string ContentHash,
    int Version,
    DocumentStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    int ChunkCount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? IndexedVersion,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "document";
}
