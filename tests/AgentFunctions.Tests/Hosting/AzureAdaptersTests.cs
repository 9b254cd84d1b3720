using AgentFunctions.Functions.Hosting;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Azure.Documents;
using AgentFunctions.Storage;
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
        await using var provider = Build(new()
        {
            ["AgentFunctions:Cosmos:Endpoint"] = "https://cosmos-test.documents.azure.com:443/",
            ["AgentFunctions:Cosmos:Database"] = "agentfunctions",
            ["AgentFunctions:Cosmos:Container"] = "documents",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
        });
        Assert.IsType<CosmosDocumentStore>(provider.GetRequiredService<IDocumentStore>());
        Assert.IsType<AgentFunctions.Azure.ServiceBus.ServiceBusEventBus>(provider.GetRequiredService<AgentFunctions.Triggers.IEventBus>());
    }

    [Fact]
    public void AddAzureAdapters_WithoutCosmosEndpoint_SaysWhichSettingIsMissing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new()));
        Assert.Contains("AgentFunctions__Cosmos__Endpoint", error.Message);
    }
}
