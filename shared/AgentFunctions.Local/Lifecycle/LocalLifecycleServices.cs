using AgentFunctions.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Local.Lifecycle;

public static class LocalLifecycleServices
{
    /// <summary>The local stores' lifecycle parts beyond the shared ones (the bus's durable queue) and the background job.</summary>
    public static IServiceCollection AddLocalLifecycle(this IServiceCollection services)
    {
        services.AddTenantDataStore<LocalEventQueueTenantData>();
        services.TryAddSingleton(new LocalLifecycleOptions());
        services.TryAddSingleton<LocalLifecycleService>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalLifecycleService>());
        return services;
    }
}
