using AgentFunctions.Agents;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Api.Agents;

public static class AgentsEndpoints
{
    public static IServiceCollection AddAgentsFeature(this IServiceCollection services)
    {
        services.AddSingleton<AgentService>();
        services.AddSingleton<AgentsApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/agents", (HttpContext http, AgentsApi h) => h.Create(http)).WithName("CreateAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapGet("v1/agents", (HttpContext http, AgentsApi h) => h.List(http)).WithName("ListAgents").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/agents/{agentId}", (HttpContext http, string agentId, AgentsApi h) => h.Get(http, agentId)).WithName("GetAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPut("v1/agents/{agentId}", (HttpContext http, string agentId, AgentsApi h) => h.Replace(http, agentId)).WithName("ReplaceAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapPatch("v1/agents/{agentId}", (HttpContext http, string agentId, AgentsApi h) => h.Patch(http, agentId)).WithName("PatchAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapDelete("v1/agents/{agentId}", (HttpContext http, string agentId, AgentsApi h) => h.Delete(http, agentId)).WithName("DeleteAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapPost("v1/agents/{agentId}/disable", (HttpContext http, string agentId, AgentsApi h) => h.Disable(http, agentId)).WithName("DisableAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapPost("v1/agents/{agentId}/enable", (HttpContext http, string agentId, AgentsApi h) => h.Enable(http, agentId)).WithName("EnableAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        api.MapGet("v1/agents/{agentId}/versions", (HttpContext http, string agentId, AgentsApi h) => h.ListVersions(http, agentId)).WithName("ListAgentVersions").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/agents/{agentId}/versions/{version}", (HttpContext http, string agentId, string version, AgentsApi h) => h.GetVersion(http, agentId, version)).WithName("GetAgentVersion").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPost("v1/agents/{agentId}/rollback", (HttpContext http, string agentId, AgentsApi h) => h.Rollback(http, agentId)).WithName("RollbackAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageAgents);
        return api;
    }
}
