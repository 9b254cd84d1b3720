using AgentFunctions.Usage;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Azure.Usage;

public static class CosmosUsageStoreServices
{
    /// <summary>The usage log in its own container (partition key <c>/tenantId</c>) of the account the document store uses.</summary>
    public static IServiceCollection AddCosmosUsageStore(this IServiceCollection services, string databaseName, string containerName)
    {
        services.AddSingleton<IUsageStore>(sp => new CosmosUsageStore(sp.GetRequiredService<CosmosClient>().GetContainer(databaseName, containerName)));
        return services;
    }
}
