using System.Text;
using AgentFunctions.Knowledge;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using PageSize = UglyToad.PdfPig.Content.PageSize;

namespace AgentFunctions.Benchmarks.Knowledge;

/// <summary>
/// The sample documents of docs/knowledge-samples as real files. Text, Markdown and HTML are shipped as they are; the PDF
/// and the DOCX are built here from their text sources (<c>*.pdf.txt</c>: a line per PDF text line, <c>--- page ---</c>
/// between pages; <c>*.docx.md</c>: <c>#</c>/<c>##</c> headings, <c>| a | b |</c> table rows, other lines paragraphs) with
/// the libraries real producers use (PdfPig's writer, the Open XML SDK), so no binary is committed.
/// </summary>
public static class KnowledgeSampleFiles
{
    public sealed record SampleFile(string Name, FileFormat Format, string ContentType, byte[] Bytes);

    public static string Folder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "knowledge-samples");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("docs/knowledge-samples not found above " + AppContext.BaseDirectory);
    }

    public static IReadOnlyList<SampleFile> Load(string folder)
    {
        var files = new List<SampleFile>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(".pdf.txt", StringComparison.Ordinal))
            {
                files.Add(new SampleFile(name[..^4], FileFormat.Pdf, "application/pdf", Pdf(File.ReadAllLines(path))));
            }
            else if (name.EndsWith(".docx.md", StringComparison.Ordinal))
            {
                files.Add(new SampleFile(name[..^3], FileFormat.Docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Docx(File.ReadAllLines(path))));
            }
            else if (Path.GetExtension(name) is ".md" or ".txt" or ".html")
            {
                var (format, type) = Path.GetExtension(name) switch
                {
                    ".md" => (FileFormat.Markdown, "text/markdown"),
                    ".html" => (FileFormat.Html, "text/html"),
                    _ => (FileFormat.Text, "text/plain"),
                };
                files.Add(new SampleFile(name, format, type, File.ReadAllBytes(path)));
            }
        }
        return files;
    }

    /// <summary>Writes the files (PDF and DOCX built) into <paramref name="target"/>: what the README walkthrough uploads.</summary>
    public static int Write(string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Load(Folder()))
        {
            File.WriteAllBytes(Path.Combine(target, file.Name), file.Bytes);
            Console.WriteLine($"{Path.Combine(target, file.Name)} ({file.Bytes.Length} bytes)");
        }
        return 0;
    }

    private static byte[] Pdf(IReadOnlyList<string> lines)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(PageSize.A4);
        var y = 780.0;
        foreach (var line in lines)
        {
            if (line.Trim() == "--- page ---")
            {
                page = builder.AddPage(PageSize.A4);
                y = 780;
                continue;
            }
            foreach (var wrapped in Wrap(line, 95))
            {
                page.AddText(wrapped, 11, new PdfPoint(40, y), font);
                y -= 16;
            }
        }
        return builder.Build();
    }

    private static IEnumerable<string> Wrap(string line, int width)
    {
        var current = new StringBuilder();
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.Length > 0 && current.Length + word.Length + 1 > width)
            {
                yield return current.ToString();
                current.Clear();
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(word);
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private static byte[] Docx(IReadOnlyList<string> lines)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            Table? table = null;
            foreach (var line in lines)
            {
                if (line.StartsWith('|'))
                {
                    table ??= body.AppendChild(new Table());
                    var cells = line.Trim('|').Split('|').Select(c => new TableCell(new Paragraph(new Run(new Text(c.Trim())))));
                    table.AppendChild(new TableRow(cells));
                    continue;
                }
                table = null;
                if (line.StartsWith("## ", StringComparison.Ordinal)) body.AppendChild(Heading(line[3..], "Heading2"));
                else if (line.StartsWith("# ", StringComparison.Ordinal)) body.AppendChild(Heading(line[2..], "Heading1"));
                else if (line.Trim().Length > 0) body.AppendChild(new Paragraph(new Run(new Text(line))));
            }
            main.Document = new Document(body);
        }
        return stream.ToArray();
    }

    private static Paragraph Heading(string text, string style) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));
}
