using System.Text;
using System.Text.RegularExpressions;
using AgentFunctions.Knowledge.Extraction;
using Format = AgentFunctions.Knowledge.FileFormat;

namespace AgentFunctions.Tests.Knowledge;

public sealed class DocumentExtractorTests
{
    [Fact]
    public void Extract_Markdown_KeepsHeadingLevelsParagraphsAndTableRows()
    {
        var blocks = DocumentExtractor.Extract(Format.Markdown, Encoding.UTF8.GetBytes(KnowledgeSamples.Markdown));

        Assert.Contains(blocks, b => b is { Kind: BlockKind.Heading, Level: 1, Text: "Travel policy" });
        Assert.Contains(blocks, b => b is { Kind: BlockKind.Heading, Level: 2, Text: "Hotels" });
        Assert.Contains(blocks, b => b.Kind == BlockKind.Paragraph && b.Text == "The nightly hotel allowance is 180 euros in Berlin.");
        Assert.Contains(blocks, b => b is { Kind: BlockKind.TableRow, Text: "Berlin | 180" });
    }

    [Fact]
    public void Extract_Html_DropsScriptsAndStyles_KeepsHeadingsAndRows()
    {
        var blocks = DocumentExtractor.Extract(Format.Html, Encoding.UTF8.GetBytes(KnowledgeSamples.Html));

        Assert.Contains(blocks, b => b is { Kind: BlockKind.Heading, Level: 1, Text: "Security handbook" });
        Assert.Contains(blocks, b => b is { Kind: BlockKind.Heading, Level: 2, Text: "Visitors" });
        Assert.Contains(blocks, b => b.Text == "Badges must be worn at all times.");
        Assert.Contains(blocks, b => b is { Kind: BlockKind.TableRow, Text: "Lab | Blue" });
        Assert.DoesNotContain(blocks, b => b.Text.Contains("secret", StringComparison.Ordinal) || b.Text.Contains("color", StringComparison.Ordinal));
    }

    [Fact]
    public void Extract_Docx_ReadsHeadingStylesAndTableRows()
    {
        var blocks = DocumentExtractor.Extract(Format.Docx, KnowledgeSamples.Docx());

        Assert.Equal(new TextBlock(BlockKind.Heading, "Refund rules", 1), blocks[0]);
        Assert.Contains(blocks, b => b is { Kind: BlockKind.Heading, Level: 2, Text: "Exceptions" });
        Assert.Contains(blocks, b => b is { Kind: BlockKind.TableRow, Text: "Laptop | 30 days" });
    }

    [Fact]
    public void Extract_Pdf_KeepsPageNumbers()
    {
        var blocks = DocumentExtractor.Extract(Format.Pdf, KnowledgeSamples.Pdf());

        Assert.Contains(blocks, b => b.Page == 1 && b.Text.Contains("Forklifts are inspected every Monday.", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Page == 2 && b.Text.Contains("loading dock closes at 17:30", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Format.Pdf)]
    [InlineData(Format.Docx)]
    public void Extract_CorruptFile_FailsWithReason(Format format)
    {
        var ex = Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(format, Encoding.ASCII.GetBytes("%PDF-1.7 this is not really a document")));

        Assert.Contains("not a readable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_EmptyOrBinaryOrBlank_FailsWithReason()
    {
        Assert.Contains("empty", Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Text, [])).Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Text, [0xff, 0xfe, 0xc3, 0x28])).Message, StringComparison.Ordinal);
        Assert.Contains("no text", Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Markdown, "  \n\n  "u8.ToArray())).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain", "a.md", Format.Markdown)]
    [InlineData("text/plain; charset=utf-8", "a.txt", Format.Text)]
    [InlineData("application/octet-stream", "report.PDF", Format.Pdf)]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "x", Format.Docx)]
    [InlineData("image/png", "a.png", null)]
    [InlineData("application/octet-stream", "a.exe", null)]
    public void DocumentFormats_From_MediaTypeThenExtension(string mediaType, string name, Format? expected) =>
        Assert.Equal(expected, DocumentFormats.From(mediaType, name));

    public static TheoryData<string> PlainTexts() =>
    [
        "one paragraph",
        "  leading and trailing  \n",
        "first. \n\nsecond.\n\n\nthird",
        "windows\r\n\r\nline breaks\r\nkept inside",
        "a\n \t \nb\n\t\n\n  c",
        "lone\r\rcarriage\r\n\rreturns\n\r\nhere",
        "\r\r\n\nx\n\r\r\ny",
        "no\u00A0\u00A0break\u2003spaces\n\u00A0\nand\v\nform\f\n\nfeeds",
        "\n\n\n",
        "tabs\tinside\t\tand  doubled   spaces\n\n\n\n  \n\nlast  ",
        "x \n y \n\n z \n \n w",
        "\u3000ideographic\u3000\n\u2028\nseparators\u2029\n\n end",
    ];

    [Theory]
    [MemberData(nameof(PlainTexts))]
    public void Extract_Text_SplitsParagraphsAsTheBlankLineRegexAndNormalizingDid(string text)
    {
        // The former implementation: CR LF as LF, split on blank lines, white space runs as one space, empty pieces dropped.
        var expected = Regex.Split(text.Replace("\r\n", "\n", StringComparison.Ordinal), @"\n[ \t]*\n+")
            .Select(p => Regex.Replace(p.Trim(), @"\s+", " ").Trim())
            .Where(p => p.Length > 0)
            .ToList();
        if (expected.Count == 0)
        {
            Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Text, Encoding.UTF8.GetBytes(text)));
            return;
        }

        var blocks = DocumentExtractor.Extract(Format.Text, Encoding.UTF8.GetBytes(text));

        Assert.Equal(expected, blocks.Select(b => b.Text));
        Assert.All(blocks, b => Assert.Equal(new TextBlock(BlockKind.Paragraph, b.Text), b));
    }

    [Fact]
    public void Extract_Text_WithByteOrderMark_DropsIt_AndRejectsNulAndBadBytesInALargeFile()
    {
        var large = string.Concat(Enumerable.Repeat("Some words of a sentence. ", 8_000));
        Assert.Equal(["Hello there."], DocumentExtractor.Extract(Format.Text, [.. "\uFEFF"u8, .. "Hello there.\n"u8]).Select(b => b.Text));
        Assert.Equal(large.TrimEnd(), Assert.Single(DocumentExtractor.Extract(Format.Text, Encoding.UTF8.GetBytes(large))).Text);
        Assert.Contains("binary", Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Text, Encoding.UTF8.GetBytes(large + "\0"))).Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", Assert.Throws<ExtractionFailedException>(() => DocumentExtractor.Extract(Format.Text, [.. Encoding.UTF8.GetBytes(large), 0xc3, 0x28])).Message, StringComparison.Ordinal);
    }
}
