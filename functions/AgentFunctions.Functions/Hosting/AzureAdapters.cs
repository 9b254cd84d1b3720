using AgentFunctions.Api.Hosting;
using AgentFunctions.Azure.Documents;
using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Azure.Knowledge;
using AgentFunctions.Azure.Models;
using AgentFunctions.Azure.ServiceBus;
using AgentFunctions.Azure.Usage;
using AgentFunctions.Storage;
using AgentFunctions.Triggers;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Functions.Hosting;

/// <summary>
/// The Functions app's composition root for adapters: Cosmos DB, Key Vault, Service Bus, Azure OpenAI, and the knowledge
/// adapters (AI Search, embeddings, Blob Storage; AzureKnowledgeServices), each authenticated with the
/// app's managed identity (settings in docs/deploy.md, set by infra/app/function.bicep). The Durable engine is added
/// by <see cref="Engine.DurableEngineServices.AddDurableEngine"/>. No local adapter is referenced by this app.
/// </summary>
public static class AzureAdapters
{
    public static IServiceCollection AddAzureAdapters(this IServiceCollection services, IConfiguration configuration)
    {
        AddDocumentStore(services, configuration);
        services.AddKeyVaultSecretVault(configuration);
        AddEventBus(services, configuration);
        services.AddOpenAIChatModel(configuration);
        // Knowledge: AI Search, Azure OpenAI embeddings, the documents container and the ingestion queue (needs the bus client).
        services.AddAzureKnowledge(configuration);
        services.AddHostedService<PlatformKeySeeder>();
        return services;
    }

    /// <summary>Cosmos DB: one container, partition key /tenantId, managed identity (DefaultAzureCredential).</summary>
    private static void AddDocumentStore(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("AgentFunctions:Cosmos");
        services.AddCosmosDocumentStore(new CosmosDocumentStoreOptions
        {
            Endpoint = new Uri(Required(section, "Endpoint")),
            DatabaseName = section["Database"] ?? "agentfunctions",
            ContainerName = section["Container"] ?? "documents",
        });
        services.AddCosmosUsageStore(section["Database"] ?? "agentfunctions", section["UsageContainer"] ?? "usage");
    }

    /// <summary>
    /// Service Bus: the same identity-based connection the Service Bus trigger binding uses (<c>ServiceBusConnection__*</c>),
    /// so sender and consumer cannot point at different namespaces; the user-assigned identity named by clientId.
    /// </summary>
    private static void AddEventBus(IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("ServiceBusConnection");
        var fullyQualifiedNamespace = Required(section, "fullyQualifiedNamespace");
        var clientId = section["clientId"];
        services.AddSingleton(_ => new ServiceBusClient(fullyQualifiedNamespace,
            new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId })));
        services.AddSingleton<IEventBus, ServiceBusEventBus>();
    }

    private static string Required(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {section.Path}:{key} (app setting {section.Path.Replace(":", "__", StringComparison.Ordinal)}__{key}).");
}
