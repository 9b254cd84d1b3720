using AgentFunctions.Azure.Models;
using AgentFunctions.Engine.Models;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Models;
using AgentFunctions.Local.Orchestration;
using AgentFunctions.Local.Vault;
using AgentFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.LocalHost;

/// <summary>The local host's composition root for adapters: everything embedded, under one data folder.</summary>
public static class LocalAdapters
{
    /// <summary>File-backed store, local vault, replaying runner, the scripted offline model, and an OpenAI-compatible model when configured.</summary>
    public static IServiceCollection AddLocalAdapters(this IServiceCollection services, string dataDirectory, IConfiguration configuration)
    {
        services.AddSingleton(new LocalDataDirectory(dataDirectory));
        services.AddSingleton<IDocumentStore>(_ => new FileDocumentStore(Path.Combine(dataDirectory, "documents")));
        services.AddLocalSecretVault(dataDirectory);
        services.AddLocalEngine(dataDirectory);
        services.TryAddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey);
        services.AddOpenAIChatModel(configuration);
        return services;
    }
}

/// <summary>Where the local host keeps its data (documents, vault, queues, runs, index).</summary>
public sealed record LocalDataDirectory(string Path);
