namespace AgentFunctions.Knowledge;

/// <summary>The formats ingestion reads. JSON is read as text.</summary>
public enum DocumentFormat
{
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
    Json,
}
