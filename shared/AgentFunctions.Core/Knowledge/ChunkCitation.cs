using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary>Where a chunk came from: the headings above it, its page (PDF), and its character range in the extracted text.</summary>
public sealed record ChunkCitation(IReadOnlyList<string> HeadingPath, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Page, int Start, int End);
