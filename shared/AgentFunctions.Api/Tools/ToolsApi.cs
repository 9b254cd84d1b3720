using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Tools;

/// <summary>The tenant's tool registry.</summary>
public sealed class ToolsApi(ToolRegistryService registry)
{
    private const int ToolBodyLimit = 128 * 1024;

    public Task<IResult> Register(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageTools, async caller =>
    {
        var input = await JsonBody.ReadAsync<ToolInput>(http.Request, ToolBodyLimit, http.RequestAborted);
        var tool = await registry.RegisterAsync(caller, input, http.RequestAborted);
        return ApiResults.Created(tool.Value, $"/api/v1/tools/{tool.Value.Id}", tool.ETag);
    });

    public Task<IResult> List(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await registry.ListAsync(caller, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> Get(HttpContext http, string toolName) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        var tool = await registry.GetAsync(caller, toolName, http.RequestAborted);
        return ApiResults.Ok(tool.Value, tool.ETag);
    });

    public Task<IResult> Replace(HttpContext http, string toolName) => ApiCall.RunAsync(http, Permission.ManageTools, async caller =>
    {
        var input = await JsonBody.ReadAsync<ToolInput>(http.Request, ToolBodyLimit, http.RequestAborted);
        var tool = await registry.ReplaceAsync(caller, toolName, input, ApiResults.IfMatch(http.Request), http.RequestAborted);
        return ApiResults.Ok(tool.Value, tool.ETag);
    });

    public Task<IResult> Delete(HttpContext http, string toolName) => ApiCall.RunAsync(http, Permission.ManageTools, async caller =>
    {
        await registry.DeleteAsync(caller, toolName, ApiResults.IfMatch(http.Request), http.RequestAborted);
        return ApiResults.NoContent();
    });
}
