using AgentFunctions.Api.Agents;
using AgentFunctions.Api.Engine;
using AgentFunctions.Api.Tenancy;
using AgentFunctions.Api.Tools;
using AgentFunctions.Api.Triggers;
using AgentFunctions.Api.Credentials;
using AgentFunctions.Api.Knowledge;
using AgentFunctions.Api.Usage;
using AgentFunctions.Api.Lifecycle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Api.Hosting;

/// <summary>The whole HTTP API under <c>/api</c>, as the local host serves it. The Functions app declares the same routes.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapAgentPlatformApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapHealthApi();
        api.MapTenancyApi();
        api.MapAgentsApi();
        api.MapToolsApi();
        api.MapCredentialsApi();
        api.MapEngineApi();
        api.MapTriggersApi();
        api.MapKnowledgeApi();
        api.MapUsageApi();
        api.MapLifecycleApi();
        return endpoints;
    }
}
