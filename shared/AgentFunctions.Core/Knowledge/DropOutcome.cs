namespace AgentFunctions.Knowledge;

/// <summary>What <see cref="KnowledgeDrops"/> did with a dropped file.</summary>
public enum DropOutcome
{
    /// <summary>A new document, queued for ingestion.</summary>
    Created,

    /// <summary>A new version of the document holding the name, queued for ingestion.</summary>
    Replaced,

    /// <summary>The document holding the name has these bytes already (an upload's own file, or the same file again).</summary>
    Unchanged,

    /// <summary>Not a file ingestion can take (bad path, unknown tenant or knowledge base, unsupported, empty or too large); logged with the reason.</summary>
    Rejected,

    /// <summary>The file is gone again.</summary>
    Gone,
}
