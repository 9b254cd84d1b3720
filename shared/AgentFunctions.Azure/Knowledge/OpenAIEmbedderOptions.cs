namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// The embeddings deployment: an Azure OpenAI v1 base URL (<c>https://{resource}.openai.azure.com/openai/v1/</c>) or any
/// OpenAI-compatible one, the deployment (model) name, and the vector size the search index is built for. With no
/// <see cref="ApiKey"/> the embedder sends an Entra ID token of the app's managed identity
/// (<see cref="ManagedIdentityClientId"/> picks a user-assigned one), as the Functions app does in Azure.
/// </summary>
public sealed record OpenAIEmbedderOptions(Uri Endpoint, string? ApiKey, string Deployment = "text-embedding-3-small", int Dimensions = 1536, int BatchSize = 64, int MaxRetries = 3)
{
    public const string ManagedIdentityScope = "https://cognitiveservices.azure.com/.default";

    public string? ManagedIdentityClientId { get; init; }
}
