using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Lifecycle;

public static class TenantDataStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a store's lifecycle part once (a second call for the same type is ignored). Scoped, like the lifecycle
    /// services: in the Functions app the orchestration client is the invocation's own Durable binding.
    /// </summary>
    public static IServiceCollection AddTenantDataStore<T>(this IServiceCollection services)
        where T : class, ITenantDataStore
    {
        services.TryAddEnumerable(ServiceDescriptor.Scoped<ITenantDataStore, T>());
        return services;
    }
}
