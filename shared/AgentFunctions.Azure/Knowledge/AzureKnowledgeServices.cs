using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Knowledge;
using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Search.Documents.Indexes;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// The Functions app's knowledge adapters, all with the app's managed identity: the AI Search index, Azure OpenAI
/// embeddings (Entra ID token), the <c>documents</c> blob container and the Service Bus ingestion queue. Settings (set
/// by infra/app/function.bicep; see local.settings.sample.json):
/// <list type="bullet">
/// <item><c>AgentFunctions__Search__Endpoint</c>, <c>AgentFunctions__Search__Index</c></item>
/// <item><c>AgentFunctions__OpenAI__Endpoint</c> (v1 base URL), <c>AgentFunctions__OpenAI__EmbeddingDeployment</c>,
/// <c>AgentFunctions__OpenAI__EmbeddingDimensions</c> (default 1536, the index's vector size)</item>
/// <item><c>DocumentsStorage__blobServiceUri</c> (+ <c>__credential</c>, <c>__clientId</c>; the blob trigger's connection too), or
/// <c>DocumentsStorage</c> as a connection string (Azurite)</item>
/// <item><c>AZURE_CLIENT_ID</c>: the user-assigned identity</item>
/// </list>
/// </summary>
public static class AzureKnowledgeServices
{
    public const string SearchEndpointSetting = "AgentFunctions:Search:Endpoint";
    public const string SearchIndexSetting = "AgentFunctions:Search:Index";
    public const string OpenAIEndpointSetting = "AgentFunctions:OpenAI:Endpoint";
    public const string EmbeddingDeploymentSetting = "AgentFunctions:OpenAI:EmbeddingDeployment";
    public const string EmbeddingDimensionsSetting = "AgentFunctions:OpenAI:EmbeddingDimensions";

    /// <summary>The connection name of the documents storage account: the blob trigger's <c>Connection</c> and the adapter's settings.</summary>
    public const string DocumentsConnection = "DocumentsStorage";

    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    /// <summary>
    /// Registers the adapters (replacing any registered before), the engine's retriever over them, and a start-up step
    /// that creates or updates the search index. Settings are read now: a missing one fails the app's start naming it.
    /// The Service Bus client must be registered (the event bus registers it).
    /// </summary>
    public static IServiceCollection AddAzureKnowledge(this IServiceCollection services, IConfiguration configuration, TokenCredential? credential = null)
    {
        var searchEndpoint = new Uri(Required(configuration, SearchEndpointSetting));
        var indexName = configuration[SearchIndexSetting] is { Length: > 0 } index ? index : "knowledge-chunks";
        var openAIEndpoint = new Uri(Required(configuration, OpenAIEndpointSetting));
        var deployment = Required(configuration, EmbeddingDeploymentSetting);
        var dimensions = int.TryParse(configuration[EmbeddingDimensionsSetting], out var d) && d > 0 ? d : 1536;
        var clientId = configuration[ClientIdSetting] is { Length: > 0 } id ? id : null;
        credential ??= new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        var documents = DocumentsContainer(configuration, credential);

        services.RemoveAll<IKnowledgeIndex>();
        services.RemoveAll<ITextEmbedder>();
        services.RemoveAll<IKnowledgeContent>();
        services.RemoveAll<IIngestionQueue>();
        services.AddSingleton(new AzureSearchKnowledgeIndex(new SearchIndexClient(searchEndpoint, credential), new AzureSearchIndexOptions(searchEndpoint, indexName, dimensions)));
        services.AddSingleton<IKnowledgeIndex>(sp => sp.GetRequiredService<AzureSearchKnowledgeIndex>());
        services.AddSingleton<ITextEmbedder>(sp => new OpenAIEmbedder(
            new OpenAIEmbedderOptions(openAIEndpoint, ApiKey: null, deployment, dimensions) { ManagedIdentityClientId = clientId },
            sp.GetRequiredService<ILogger<OpenAIEmbedder>>(), tokenProvider: credential));
        services.AddSingleton<IKnowledgeContent>(new BlobKnowledgeContent(documents));
        services.AddSingleton<IIngestionQueue>(sp => new ServiceBusIngestionQueue(sp.GetRequiredService<ServiceBusClient>().CreateSender(ServiceBusIngestionQueue.QueueName)));
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeRetriever, KnowledgeRetriever>());
        services.AddHostedService<SearchIndexInitializer>();
        return services;
    }

    /// <summary>The <c>documents</c> container from <c>DocumentsStorage</c> (a connection string) or <c>DocumentsStorage__blobServiceUri</c> (identity).</summary>
    public static BlobContainerClient DocumentsContainer(IConfiguration configuration, TokenCredential credential)
    {
        var section = configuration.GetSection(DocumentsConnection);
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new BlobServiceClient(connectionString).GetBlobContainerClient(KnowledgeFilePath.Container);
        }
        var uri = new Uri(Required(configuration, DocumentsConnection + ":blobServiceUri"));
        var blobCredential = section["clientId"] is { Length: > 0 } blobClientId && section["credential"] == "managedidentity"
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(blobClientId))
            : credential;
        return new BlobServiceClient(uri, blobCredential).GetBlobContainerClient(KnowledgeFilePath.Container);
    }

    private static string Required(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {key} (app setting {key.Replace(":", "__", StringComparison.Ordinal)}).");

    /// <summary>Creates or updates the index at start; a failure is logged (the first ingestion or query then says what is wrong).</summary>
    private sealed class SearchIndexInitializer(AzureSearchKnowledgeIndex index, ILogger<SearchIndexInitializer> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await index.EnsureIndexAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not create or update the knowledge search index");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
