namespace AgentFunctions.Knowledge.Extraction;

/// <summary>Which <see cref="FileFormat"/> an upload is, from its media type or, for generic types, its file extension.</summary>
public static class DocumentFormats
{
    public const string Supported = "text/plain, text/markdown, text/html, application/json, application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    public static FileFormat? From(string? mediaType, string name)
    {
        var type = (mediaType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        var byType = type switch
        {
            "text/plain" => FileFormat.Text,
            "text/markdown" or "text/x-markdown" => FileFormat.Markdown,
            "text/html" or "application/xhtml+xml" => FileFormat.Html,
            "application/json" => FileFormat.Json,
            "application/pdf" => FileFormat.Pdf,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => FileFormat.Docx,
            _ => (FileFormat?)null,
        };
        if (byType is FileFormat.Text && ByExtension(name) is FileFormat.Markdown) return FileFormat.Markdown;
        if (byType is not null) return byType;
        return type is "" or "application/octet-stream" ? ByExtension(name) : null;
    }

    private static FileFormat? ByExtension(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".txt" or ".text" => FileFormat.Text,
        ".md" or ".markdown" => FileFormat.Markdown,
        ".html" or ".htm" => FileFormat.Html,
        ".json" => FileFormat.Json,
        ".pdf" => FileFormat.Pdf,
        ".docx" => FileFormat.Docx,
        _ => null,
    };
}
