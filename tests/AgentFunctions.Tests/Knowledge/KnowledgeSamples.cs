using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>Small sample files built in the test with the same libraries real producers use (Open XML SDK, PdfPig's writer).</summary>
public static class KnowledgeSamples
{
    public const string Markdown = """
        # Travel policy

        Employees book flights through the travel desk.

        ## Hotels

        The nightly hotel allowance is 180 euros in Berlin.

        | City | Allowance |
        | --- | --- |
        | Berlin | 180 |
        | Paris | 210 |
        """;

    public const string Html = """
        <html><head><title>x</title><style>p { color: red }</style><script>var secret = 1;</script></head>
        <body><h1>Security handbook</h1><p>Badges must be worn <b>at all times</b>.</p>
        <h2>Visitors</h2><p>Visitors sign in at reception.</p>
        <table><tr><th>Door</th><th>Code</th></tr><tr><td>Lab</td><td>Blue</td></tr></table></body></html>
        """;

    /// <summary>A DOCX with a Heading1, a paragraph, a Heading2, a paragraph and a two-row table.</summary>
    public static byte[] Docx()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(
                Heading("Refund rules", "Heading1"),
                new Paragraph(new Run(new Text("Customers may return any product within 45 days of delivery."))),
                Heading("Exceptions", "Heading2"),
                new Paragraph(new Run(new Text("Opened software cannot be refunded."))),
                new Table(
                    new TableRow(Cell("Product"), Cell("Window")),
                    new TableRow(Cell("Laptop"), Cell("30 days")))));
        }
        return stream.ToArray();
    }

    /// <summary>A two-page PDF: the answer to the sample question is on page 2.</summary>
    public static byte[] Pdf()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var first = builder.AddPage(PageSize.A4);
        first.AddText("Warehouse operations manual.", 12, new PdfPoint(40, 750), font);
        first.AddText("Forklifts are inspected every Monday.", 12, new PdfPoint(40, 720), font);
        var second = builder.AddPage(PageSize.A4);
        second.AddText("The loading dock closes at 17:30 on weekdays.", 12, new PdfPoint(40, 750), font);
        return builder.Build();
    }

    private static Paragraph Heading(string text, string style) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));

    private static TableCell Cell(string text) => new(new Paragraph(new Run(new Text(text))));
}
