namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// One chunk: its text, the headings above it, its first page, and its range in the extracted text (blocks joined by a
/// blank line). <see cref="EmbeddingText"/> is what the embedder reads: the heading path, then the text.
/// </summary>
public sealed record TextChunk(int Ordinal, string Content, IReadOnlyList<string> HeadingPath, int? Page, int Start, int End)
{
    public string EmbeddingText => HeadingPath.Count == 0 ? Content : string.Join(" > ", HeadingPath) + "\n" + Content;
}
