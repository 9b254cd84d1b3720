namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// The embeddings deployment: an Azure OpenAI v1 base URL (<c>https://{resource}.openai.azure.com/openai/v1/</c>) or any
/// OpenAI-compatible one, the deployment (model) name, and the vector size the search index is built for.
/// </summary>
public sealed record OpenAIEmbedderOptions(Uri Endpoint, string ApiKey, string Deployment = "text-embedding-3-small", int Dimensions = 1536, int BatchSize = 64, int MaxRetries = 3);
