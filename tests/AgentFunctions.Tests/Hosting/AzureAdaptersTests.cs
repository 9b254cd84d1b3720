using AgentFunctions.Functions.Hosting;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Azure.Documents;
using AgentFunctions.Storage;
using AgentFunctionsApp = AgentFunctions.Functions.Hosting.HealthFunctions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Hosting;

public sealed class AzureAdaptersTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddLogging();
        services.AddPlatformCore();
        services.AddAzureAdapters(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AddAzureAdapters_WithCosmosSettings_UsesCosmosDocumentStore()
    {
        await using var provider = Build(new(new Dictionary<string, string?>
        {
            ["AgentFunctions:Cosmos:Endpoint"] = "https://cosmos-test.documents.azure.com:443/",
            ["AgentFunctions:Cosmos:Database"] = "agentfunctions",
            ["AgentFunctions:Cosmos:Container"] = "documents",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
        }.Concat(KnowledgeSettings)));
        Assert.IsType<CosmosDocumentStore>(provider.GetRequiredService<IDocumentStore>());
        Assert.IsType<AgentFunctions.Azure.ServiceBus.ServiceBusEventBus>(provider.GetRequiredService<AgentFunctions.Triggers.IEventBus>());
    }

    /// <summary>
    /// The Functions app's whole composition (platform services, Azure adapters, the Durable engine) builds every class
    /// that holds a [Function] method, in the per-invocation scope the worker gives it: a port a feature needs and the
    /// app does not wire fails here, not on the first request in Azure.
    /// </summary>
    [Fact]
    public async Task FunctionsApp_Composition_BuildsEveryFunctionClass()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentFunctions:Cosmos:Endpoint"] = "https://cosmos-test.documents.azure.com:443/",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
            ["AgentFunctions:KeyVault:Uri"] = "https://kv-test.vault.azure.net/",
        }.Concat(KnowledgeSettings)).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPlatformCore();
        services.AddAzureAdapters(configuration);
        AgentFunctions.Functions.Engine.DurableEngineServices.AddDurableEngine(services);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await using var scope = provider.CreateAsyncScope();

        var functionClasses = RouteParity.Functions(typeof(AgentFunctionsApp).Assembly).Select(f => f.Method.DeclaringType!).Where(t => !t.IsAbstract).Distinct().ToList();
        Assert.True(functionClasses.Count >= 8, $"only {functionClasses.Count} function classes found");
        var failures = new List<string>();
        foreach (var type in functionClasses)
        {
            try
            {
                ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            }
            catch (InvalidOperationException ex)
            {
                failures.Add($"{type.Name}: {ex.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // As the worker does: the class is built first, then the function hands over its [DurableClient] binding, and
        // only then is the client read.
        var hub = new Moq.Mock<Microsoft.DurableTask.Client.DurableTaskClient>("test-hub");
        scope.ServiceProvider.GetRequiredService<AgentFunctions.Functions.Engine.DurableClientBinding>().Bind(hub.Object);
        var orchestrations = scope.ServiceProvider.GetRequiredService<AgentFunctions.Engine.Orchestration.IOrchestrationClient>();
        await orchestrations.RaiseEventAsync("run_x", "approval", new { approved = true });
        hub.Verify(c => c.RaiseEventAsync("run_x", "approval", Moq.It.IsAny<object>(), default), Moq.Times.Once);
    }

    /// <summary>The knowledge settings infra/app/function.bicep and infra/main.bicep set (names as the app reads them).</summary>
    private static readonly Dictionary<string, string?> KnowledgeSettings = new()
    {
        ["AgentFunctions:Search:Endpoint"] = "https://search-test.search.windows.net",
        ["AgentFunctions:Search:Index"] = "chunks",
        ["AgentFunctions:OpenAI:Endpoint"] = "https://oai-test.openai.azure.com/openai/v1/",
        ["AgentFunctions:OpenAI:EmbeddingDeployment"] = "embeddings",
        ["DocumentsStorage:blobServiceUri"] = "https://sttest.blob.core.windows.net/",
        ["DocumentsStorage:credential"] = "managedidentity",
        ["DocumentsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        ["AZURE_CLIENT_ID"] = "00000000-0000-0000-0000-000000000001",
    };

    private static Dictionary<string, string?> CoreSettings() => new()
    {
        ["AgentFunctions:Cosmos:Endpoint"] = "https://cosmos-test.documents.azure.com:443/",
        ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
    };

    [Fact]
    public async Task AddAzureAdapters_WithKnowledgeSettings_ComposesTheAzureKnowledgeAdapters()
    {
        await using var provider = Build(new(CoreSettings().Concat(KnowledgeSettings)));

        var index = Assert.IsType<AgentFunctions.Azure.Knowledge.AzureSearchKnowledgeIndex>(provider.GetRequiredService<AgentFunctions.Knowledge.IKnowledgeIndex>());
        Assert.Equal("chunks", index.Schema().Name);
        var embedder = Assert.IsType<AgentFunctions.Azure.Knowledge.OpenAIEmbedder>(provider.GetRequiredService<AgentFunctions.Knowledge.ITextEmbedder>());
        Assert.Equal(1536, embedder.Dimensions);
        var blobs = Assert.IsType<AgentFunctions.Azure.Knowledge.BlobKnowledgeContent>(provider.GetRequiredService<AgentFunctions.Knowledge.IKnowledgeContent>());
        Assert.Equal(new Uri("https://sttest.blob.core.windows.net/documents"), blobs.Container.Uri);
        Assert.IsType<AgentFunctions.Azure.Knowledge.ServiceBusIngestionQueue>(provider.GetRequiredService<AgentFunctions.Knowledge.IIngestionQueue>());
        Assert.IsType<AgentFunctions.Knowledge.KnowledgeRetriever>(provider.GetRequiredService<AgentFunctions.Engine.Knowledge.IKnowledgeRetriever>());
        Assert.NotNull(provider.GetRequiredService<AgentFunctions.Knowledge.KnowledgeDrops>());
    }

    [Fact]
    public void AddAzureAdapters_DocumentsStorageAsAConnectionString_UsesIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DocumentsStorage"] = "UseDevelopmentStorage=true",
        }).Build();

        var container = AgentFunctions.Azure.Knowledge.AzureKnowledgeServices.DocumentsContainer(configuration, new global::Azure.Identity.DefaultAzureCredential());

        Assert.Equal("documents", container.Name);
        Assert.Equal("127.0.0.1", container.Uri.Host);
    }

    [Theory]
    [InlineData("AgentFunctions:Search:Endpoint", "AgentFunctions__Search__Endpoint")]
    [InlineData("AgentFunctions:OpenAI:EmbeddingDeployment", "AgentFunctions__OpenAI__EmbeddingDeployment")]
    [InlineData("DocumentsStorage:blobServiceUri", "DocumentsStorage__blobServiceUri")]
    public void AddAzureAdapters_WithoutAKnowledgeSetting_SaysWhichOne(string key, string appSetting)
    {
        var settings = new Dictionary<string, string?>(CoreSettings().Concat(KnowledgeSettings));
        settings.Remove(key);

        var error = Assert.Throws<InvalidOperationException>(() => Build(settings));

        Assert.Contains(appSetting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAzureAdapters_WithoutCosmosEndpoint_SaysWhichSettingIsMissing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new()));
        Assert.Contains("AgentFunctions__Cosmos__Endpoint", error.Message);
    }
}
