using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Local.Knowledge;

public static class LocalKnowledgeServices
{
    /// <summary>
    /// The embedded knowledge adapters: the SQLite index at <c>{data}/knowledge/index.db</c>, uploaded files under
    /// <c>{data}/knowledge/files</c>, the MiniLM embedder, the in-process ingestion queue and worker, and the engine's
    /// retriever over them (in place of the empty one).
    /// </summary>
    public static IServiceCollection AddLocalKnowledge(this IServiceCollection services, string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "knowledge");
        services.TryAddSingleton<IKnowledgeIndex>(_ => new SqliteKnowledgeIndex(Path.Combine(root, "index.db")));
        services.TryAddSingleton<IKnowledgeContent>(_ => new FolderKnowledgeContent(Path.Combine(root, "files")));
        services.TryAddSingleton<ITextEmbedder>(MiniLmEmbedder.Shared);
        services.TryAddSingleton<ChannelIngestionQueue>();
        services.TryAddSingleton<IIngestionQueue>(sp => sp.GetRequiredService<ChannelIngestionQueue>());
        services.AddHostedService<IngestionWorker>();
        services.Replace(ServiceDescriptor.Singleton<IKnowledgeRetriever, KnowledgeRetriever>());
        return services;
    }
}
