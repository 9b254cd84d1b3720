using System.Buffers;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using Paragraph = DocumentFormat.OpenXml.Wordprocessing.Paragraph;
using WordTable = DocumentFormat.OpenXml.Wordprocessing.Table;
using WordTableRow = DocumentFormat.OpenXml.Wordprocessing.TableRow;
using WordTableCell = DocumentFormat.OpenXml.Wordprocessing.TableCell;
using OpenXmlPackageException = DocumentFormat.OpenXml.Packaging.OpenXmlPackageException;
using HtmlAgilityPack;
using Markdig;
using MdTable = Markdig.Extensions.Tables.Table;
using MdTableCell = Markdig.Extensions.Tables.TableCell;
using MdTableRow = Markdig.Extensions.Tables.TableRow;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace AgentFunctions.Knowledge.Extraction;

/// <summary>
/// Turns a file into <see cref="TextBlock"/>s, keeping headings (markdown, HTML, DOCX heading styles), page numbers (PDF)
/// and table rows (one block per row, cells joined by " | "). A file its format cannot read throws
/// <see cref="ExtractionFailedException"/> with a reason a user can act on.
/// </summary>
public static partial class DocumentExtractor
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseGridTables().Build();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IReadOnlyList<TextBlock> Extract(FileFormat format, ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty) throw new ExtractionFailedException("The file is empty.");
        var blocks = format switch
        {
            FileFormat.Text or FileFormat.Json => PlainText(content),
            FileFormat.Markdown => FromMarkdown(Decode(content)),
            FileFormat.Html => FromHtml(Decode(content)),
            FileFormat.Docx => FromDocx(content.ToArray()),
            FileFormat.Pdf => FromPdf(content.ToArray()),
            _ => throw new ExtractionFailedException($"The format '{format}' is not supported."),
        };
        var kept = blocks.Where(b => !string.IsNullOrWhiteSpace(b.Text)).ToList();
        if (kept.Count == 0) throw new ExtractionFailedException("The file holds no text (a scanned PDF needs OCR, which is not supported).");
        return kept;
    }

    private static string Decode(ReadOnlySpan<byte> content)
    {
        try
        {
            var text = StrictUtf8.GetString(content.StartsWith("\uFEFF"u8) ? content[3..] : content);
            if (text.Contains('\0')) throw new ExtractionFailedException("The file is binary, not text.");
            return text;
        }
        catch (DecoderFallbackException ex)
        {
            throw new ExtractionFailedException("The file is not UTF-8 text.", ex);
        }
    }

    /// <summary>
    /// Plain text decoded into a pooled buffer rather than a string (a document over 42,000 characters would be a large
    /// object, and every one of them brings a full garbage collection closer), then split into paragraphs from it.
    /// </summary>
    private static List<TextBlock> PlainText(ReadOnlySpan<byte> content)
    {
        var bytes = content.StartsWith("\uFEFF"u8) ? content[3..] : content;
        var buffer = ArrayPool<char>.Shared.Rent(StrictUtf8.GetMaxCharCount(bytes.Length));
        try
        {
            int length;
            try
            {
                length = StrictUtf8.GetChars(bytes, buffer);
            }
            catch (DecoderFallbackException ex)
            {
                throw new ExtractionFailedException("The file is not UTF-8 text.", ex);
            }
            var text = buffer.AsSpan(0, length);
            if (text.Contains('\0')) throw new ExtractionFailedException("The file is binary, not text.");
            return Paragraphs(text, page: null);
        }
        finally
        {
            // The pool is shared by every tenant's work: no document text is left in it (UTF-8 decodes to at most one
            // character per byte, also when decoding stopped at a bad byte).
            buffer.AsSpan(0, Math.Min(buffer.Length, bytes.Length)).Clear();
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Paragraphs: the text split where a blank line is (a line break, then only spaces or tabs, then another line break;
    /// a CR LF pair counts as one line break), each paragraph with its runs of white space made one space and trimmed,
    /// empty ones dropped. One pass over the text and one string per paragraph; the same blocks as splitting on
    /// <c>\n[ \t]*\n+</c> after replacing CR LF by LF and normalizing each piece (DocumentExtractorTests compare both).
    /// </summary>
    private static List<TextBlock> Paragraphs(ReadOnlySpan<char> text, int? page)
    {
        var blocks = new List<TextBlock>();
        var start = 0;
        var at = 0;
        // Whether the paragraph so far has white space other than single spaces (then it is normalized, else copied).
        var plain = true;
        while (true)
        {
            var next = text[at..].IndexOfAny(WhiteSpace);
            if (next < 0) break;
            var run = at + next;
            var end = run + 1;
            // The common case: one space between two words.
            if (text[run] == ' ' && (end == text.Length || !char.IsWhiteSpace(text[end])))
            {
                at = end;
                continue;
            }
            while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (IsBlankLine(text[run..end]))
            {
                AddParagraph(blocks, text[start..run], plain, page);
                start = end;
                plain = true;
            }
            else
            {
                plain = false;
            }
            at = end;
        }
        AddParagraph(blocks, text[start..], plain, page);
        return blocks;
    }

    private static string Normalize(string text) => Normalize(text.AsSpan(), text);

    private static void AddParagraph(List<TextBlock> blocks, ReadOnlySpan<char> paragraph, bool plain, int? page)
    {
        if (paragraph.IsEmpty) return;
        var text = plain && !char.IsWhiteSpace(paragraph[0]) && !char.IsWhiteSpace(paragraph[^1]) ? paragraph.ToString() : Normalize(paragraph, null);
        if (text.Length > 0) blocks.Add(new TextBlock(BlockKind.Paragraph, text, Page: page));
    }

    /// <summary>Whether a run of white space holds a blank line: LF (or CR LF), spaces and tabs only, LF again.</summary>
    private static bool IsBlankLine(ReadOnlySpan<char> run)
    {
        var afterLineBreak = false;
        for (var i = 0; i < run.Length; i++)
        {
            var c = run[i];
            if (c == '\r' && i + 1 < run.Length && run[i + 1] == '\n')
            {
                c = '\n';
                i++;
            }
            if (c == '\n')
            {
                if (afterLineBreak) return true;
                afterLineBreak = true;
            }
            else if (c is not (' ' or '\t'))
            {
                afterLineBreak = false;
            }
        }
        return false;
    }

    // What char.IsWhiteSpace (and so Normalize and the regex's \s) treats as white space.
    private static readonly SearchValues<char> WhiteSpace = SearchValues.Create(
        " \t\n\v\f\r\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    private static List<TextBlock> FromMarkdown(string text)
    {
        var blocks = new List<TextBlock>();
        void Walk(IEnumerable<Block> children)
        {
            foreach (var block in children)
            {
                switch (block)
                {
                    case HeadingBlock heading:
                        blocks.Add(new TextBlock(BlockKind.Heading, Normalize(InlineText(heading.Inline)), heading.Level));
                        break;
                    case MdTable table:
                        foreach (var row in table.OfType<MdTableRow>())
                        {
                            blocks.Add(new TextBlock(BlockKind.TableRow, string.Join(" | ", row.OfType<MdTableCell>().Select(c => Normalize(CellText(c))))));
                        }
                        break;
                    case ParagraphBlock paragraph:
                        blocks.Add(new TextBlock(BlockKind.Paragraph, Normalize(InlineText(paragraph.Inline))));
                        break;
                    case LeafBlock leaf:
                        blocks.Add(new TextBlock(BlockKind.Paragraph, leaf.Lines.ToString().Trim()));
                        break;
                    case ContainerBlock container:
                        Walk(container);
                        break;
                }
            }
        }
        Walk(Markdown.Parse(text, Pipeline));
        return blocks;
    }

    private static string CellText(MdTableCell cell)
    {
        var text = new StringBuilder();
        foreach (var block in cell.OfType<ParagraphBlock>()) text.Append(InlineText(block.Inline)).Append(' ');
        return text.ToString();
    }

    private static string InlineText(ContainerInline? inline)
    {
        var text = new StringBuilder();
        void Walk(Inline? node)
        {
            for (; node is not null; node = node.NextSibling)
            {
                switch (node)
                {
                    case LiteralInline literal: text.Append(literal.Content.AsSpan()); break;
                    case CodeInline code: text.Append(code.Content); break;
                    case LineBreakInline: text.Append(' '); break;
                    case ContainerInline container: Walk(container.FirstChild); break;
                }
            }
        }
        Walk(inline?.FirstChild);
        return text.ToString();
    }

    private static readonly HashSet<string> HtmlBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "li", "pre", "blockquote", "section", "article", "main", "header", "footer", "aside", "td", "th", "dd", "dt", "figcaption", "caption", "body",
    };

    private static List<TextBlock> FromHtml(string html)
    {
        var document = new HtmlDocument();
        document.LoadHtml(html);
        var blocks = new List<TextBlock>();
        foreach (var node in document.DocumentNode.Descendants().Where(n => n.Name is "script" or "style" or "noscript" or "template" or "head").ToList())
        {
            node.Remove();
        }
        void Walk(HtmlNode node)
        {
            foreach (var child in node.ChildNodes)
            {
                var name = child.Name.ToLowerInvariant();
                if (name.Length == 2 && name[0] == 'h' && name[1] is >= '1' and <= '6')
                {
                    blocks.Add(new TextBlock(BlockKind.Heading, Text(child), name[1] - '0'));
                }
                else if (name == "tr")
                {
                    blocks.Add(new TextBlock(BlockKind.TableRow, string.Join(" | ", child.ChildNodes.Where(c => c.Name is "td" or "th").Select(Text))));
                }
                else if (child.NodeType == HtmlNodeType.Text)
                {
                    var text = Normalize(HtmlEntity.DeEntitize(child.InnerText));
                    if (text.Length > 0) blocks.Add(new TextBlock(BlockKind.Paragraph, text));
                }
                else if (HtmlBlocks.Contains(name) && !child.Descendants().Any(d => HtmlBlocks.Contains(d.Name) || d.Name is "tr" || IsHeading(d.Name)))
                {
                    blocks.Add(new TextBlock(BlockKind.Paragraph, Text(child)));
                }
                else
                {
                    Walk(child);
                }
            }
        }
        Walk(document.DocumentNode);
        return blocks;
    }


    private static bool IsHeading(string name) => name.Length == 2 && name[0] is 'h' or 'H' && name[1] is >= '1' and <= '6';

    private static string Text(HtmlNode node) => Normalize(HtmlEntity.DeEntitize(node.InnerText));

    private static List<TextBlock> FromDocx(byte[] bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var document = WordprocessingDocument.Open(stream, false);
            var body = document.MainDocumentPart?.Document?.Body ?? throw new ExtractionFailedException("The DOCX file has no document body.");
            var blocks = new List<TextBlock>();
            foreach (var element in body.ChildElements)
            {
                switch (element)
                {
                    case Paragraph paragraph:
                        var text = Normalize(paragraph.InnerText);
                        var style = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
                        var level = HeadingLevel(style);
                        blocks.Add(level > 0 ? new TextBlock(BlockKind.Heading, text, level) : new TextBlock(BlockKind.Paragraph, text));
                        break;
                    case WordTable table:
                        foreach (var row in table.Elements<WordTableRow>())
                        {
                            blocks.Add(new TextBlock(BlockKind.TableRow, string.Join(" | ", row.Elements<WordTableCell>().Select(c => Normalize(c.InnerText)))));
                        }
                        break;
                }
            }
            return blocks;
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or FileFormatException or System.Xml.XmlException or ArgumentException)
        {
            throw new ExtractionFailedException("The file is not a readable DOCX document.", ex);
        }
    }

    private static int HeadingLevel(string? style)
    {
        if (style is null) return 0;
        if (style.Equals("Title", StringComparison.OrdinalIgnoreCase)) return 1;
        return style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase) && int.TryParse(style.AsSpan(7), out var level) && level is >= 1 and <= 9 ? level : 0;
    }

    private static List<TextBlock> FromPdf(byte[] bytes)
    {
        try
        {
            using var pdf = PdfDocument.Open(bytes);
            var blocks = new List<TextBlock>();
            foreach (var page in pdf.GetPages())
            {
                var text = ContentOrderTextExtractor.GetText(page);
                blocks.AddRange(Paragraphs(text.AsSpan(), page.Number));
            }
            return blocks;
        }
        catch (ExtractionFailedException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // PdfPig reports damaged and encrypted files with several exception types; the reason is what matters here.
            throw new ExtractionFailedException("The file is not a readable PDF document (damaged, encrypted, or not a PDF).", ex);
        }
    }

    /// <summary>Runs of white space (what <c>\s</c> matches) as one space, trimmed; one pass, no copy when nothing changes.</summary>
    /// <remarks><paramref name="whole"/>, when given, is the string <paramref name="text"/> spans, returned as is when nothing changes.</remarks>
    private static string Normalize(ReadOnlySpan<char> text, string? whole)
    {
        var span = text.Trim();
        var clean = true;
        for (var at = 0; clean;)
        {
            var next = span[at..].IndexOfAny(WhiteSpace);
            if (next < 0) break;
            var i = at + next;
            if (span[i] != ' ' || (i + 1 < span.Length && char.IsWhiteSpace(span[i + 1]))) clean = false;
            at = i + 1;
        }
        if (clean) return whole is not null && span.Length == whole.Length ? whole : span.ToString();
        var buffer = span.Length <= 512 ? stackalloc char[span.Length] : new char[span.Length];
        var length = 0;
        var space = false;
        foreach (var c in span)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (space) buffer[length++] = ' ';
            space = false;
            buffer[length++] = c;
        }
        return new string(buffer[..length]);
    }
}
