using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Api.Tools;

public static class ToolsEndpoints
{
    public static IServiceCollection AddToolRegistryFeature(this IServiceCollection services)
    {
        services.AddSingleton<ToolRegistryService>();
        services.AddSingleton<ToolsApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapToolsApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/tools/register", (HttpContext http, ToolsApi h) => h.Register(http)).WithName("RegisterTool").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTools);
        api.MapGet("v1/tools", (HttpContext http, ToolsApi h) => h.List(http)).WithName("ListTools").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/tools/{toolName}", (HttpContext http, string toolName, ToolsApi h) => h.Get(http, toolName)).WithName("GetTool").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/tools/{toolName}/listed-tools", (HttpContext http, string toolName, ToolsApi h) => h.ListListedTools(http, toolName)).WithName("ListToolListedTools").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPut("v1/tools/{toolName}", (HttpContext http, string toolName, ToolsApi h) => h.Replace(http, toolName)).WithName("ReplaceTool").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTools);
        api.MapDelete("v1/tools/{toolName}", (HttpContext http, string toolName, ToolsApi h) => h.Delete(http, toolName)).WithName("DeleteTool").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTools);
        return api;
    }
}
