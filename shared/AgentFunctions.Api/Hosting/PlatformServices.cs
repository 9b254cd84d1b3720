using AgentFunctions.Access;
using AgentFunctions.Api.Agents;
using AgentFunctions.Api.Engine;
using AgentFunctions.Api.Tenancy;
using AgentFunctions.Api.Tools;
using AgentFunctions.Api.Triggers;
using AgentFunctions.Triggers;
using AgentFunctions.Api.Credentials;
using AgentFunctions.Api.Knowledge;
using AgentFunctions.Api.Usage;
using AgentFunctions.Api.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// The wiring both hosts share: services and API handlers. Each host then composes its own adapters: the local host
/// the embedded ones (LocalAdapters), the Functions app the Azure ones and the Durable engine (AzureAdapters).
/// </summary>
public static class PlatformServices
{
    public static IServiceCollection AddPlatformCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuthenticator, KeyAuthenticator>();
        services.AddPlatformReadiness();
        services.AddTenancyFeature();
        services.AddAgentsFeature();
        services.AddToolRegistryFeature();
        services.AddToolExecution();
        services.AddCredentialsFeature();
        services.AddEngineFeature();
        services.AddTriggersFeature();
        services.AddKnowledgeFeature();
        services.AddUsageFeature();
        services.AddLifecycleFeature();
        return services;
    }
}

