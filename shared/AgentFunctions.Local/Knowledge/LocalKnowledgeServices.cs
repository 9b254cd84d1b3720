using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Local.Knowledge;

public static class LocalKnowledgeServices
{
    /// <summary>
    /// The embedded knowledge adapters: the SQLite index at <c>{data}/knowledge/index.db</c>, original files under
    /// <c>{data}/knowledge/documents/{tenantId}/{knowledgeBaseId}/{fileName}</c> (the blob layout; the folder is watched for
    /// drops), the MiniLM embedder, the in-process ingestion queue and worker, and the engine's
    /// retriever over them (in place of the empty one).
    /// </summary>
    public static IServiceCollection AddLocalKnowledge(this IServiceCollection services, string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "knowledge");
        services.TryAddSingleton<IKnowledgeIndex>(_ => new SqliteKnowledgeIndex(Path.Combine(root, "index.db")));
        services.TryAddSingleton(_ => new FolderKnowledgeContent(Path.Combine(root, KnowledgeFilePath.Container)));
        services.TryAddSingleton<IKnowledgeContent>(sp => sp.GetRequiredService<FolderKnowledgeContent>());
        services.TryAddSingleton<DropFolderWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DropFolderWatcher>());
        services.TryAddSingleton<ITextEmbedder>(MiniLmEmbedder.Shared);
        services.TryAddSingleton<ChannelIngestionQueue>();
        services.TryAddSingleton<IIngestionQueue>(sp => sp.GetRequiredService<ChannelIngestionQueue>());
        services.AddHostedService<IngestionWorker>();
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeRetriever, KnowledgeRetriever>());
        return services;
    }
}
