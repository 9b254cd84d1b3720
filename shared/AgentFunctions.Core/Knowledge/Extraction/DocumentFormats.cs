namespace AgentFunctions.Knowledge.Extraction;

/// <summary>Which <see cref="DocumentFormat"/> an upload is, from its media type or, for generic types, its file extension.</summary>
public static class DocumentFormats
{
    public const string Supported = "text/plain, text/markdown, text/html, application/json, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    public static DocumentFormat? From(string? mediaType, string name)
    {
        var type = (mediaType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        var byType = type switch
        {
            "text/plain" => DocumentFormat.Text,
            "text/markdown" or "text/x-markdown" => DocumentFormat.Markdown,
            "text/html" or "application/xhtml+xml" => DocumentFormat.Html,
            "application/json" => DocumentFormat.Json,
            "application/pdf" => DocumentFormat.Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => DocumentFormat.Docx,
            _ => (DocumentFormat?)null,
        };
        if (byType is DocumentFormat.Text && ByExtension(name) is DocumentFormat.Markdown) return DocumentFormat.Markdown;
        if (byType is not null) return byType;
        return type is "" or "application/octet-stream" ? ByExtension(name) : null;
    }

    private static DocumentFormat? ByExtension(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".txt" or ".text" => DocumentFormat.Text,
        ".md" or ".markdown" => DocumentFormat.Markdown,
        ".html" or ".htm" => DocumentFormat.Html,
        ".json" => DocumentFormat.Json,
        ".pdf" => DocumentFormat.Pdf,
        ".docx" => DocumentFormat.Docx,
        _ => null,
    };
}
