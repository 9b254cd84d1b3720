using AgentFunctions.Api.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Tools;

/// <summary>The tools routes as Azure Functions: each one hands the request to the handler the local host maps too.</summary>
public sealed class ToolsFunctions(ToolsApi api)
{
    [Function(nameof(RegisterTool))]
    public Task<IResult> RegisterTool([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/tools/register")] HttpRequest req) =>
        api.Register(req.HttpContext);

    [Function(nameof(ListTools))]
    public Task<IResult> ListTools([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tools")] HttpRequest req) =>
        api.List(req.HttpContext);

    [Function(nameof(ListToolListedTools))]
    public Task<IResult> ListToolListedTools([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tools/{toolName}/listed-tools")] HttpRequest req, string toolName) =>
        api.ListListedTools(req.HttpContext, toolName);

    [Function(nameof(GetTool))]
    public Task<IResult> GetTool([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tools/{toolName}")] HttpRequest req, string toolName) =>
        api.Get(req.HttpContext, toolName);

    [Function(nameof(ReplaceTool))]
    public Task<IResult> ReplaceTool([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/tools/{toolName}")] HttpRequest req, string toolName) =>
        api.Replace(req.HttpContext, toolName);

    [Function(nameof(DeleteTool))]
    public Task<IResult> DeleteTool([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/tools/{toolName}")] HttpRequest req, string toolName) =>
        api.Delete(req.HttpContext, toolName);
}
