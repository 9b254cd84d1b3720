namespace AgentFunctions.Knowledge.Extraction;

/// <summary>One block of extracted text: a heading (with its level), a paragraph, or a table row. <see cref="Page"/> is 1-based.</summary>
public sealed record TextBlock(BlockKind Kind, string Text, int Level = 0, int? Page = null);

public enum BlockKind
{
    Heading,
    Paragraph,
    TableRow,
}
