namespace AgentFunctions.Azure.Knowledge;

/// <summary>Where the Azure AI Search index lives and the embedding size it is built for (1536 for text-embedding-3-small).</summary>
public sealed record AzureSearchIndexOptions(Uri Endpoint, string IndexName = "knowledge-chunks", int Dimensions = 1536);
