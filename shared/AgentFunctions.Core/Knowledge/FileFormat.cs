namespace AgentFunctions.Knowledge;

/// <summary>The formats ingestion reads. JSON is read as text.</summary>
public enum FileFormat
{
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
    Json,
}
