using AgentFunctions.Api.Agents;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Agents;

/// <summary>The agents routes as Azure Functions: each one hands the request to the handler the local host maps too.</summary>
public sealed class AgentsFunctions(AgentsApi api)
{
    [Function(nameof(CreateAgent))]
    public Task<IResult> CreateAgent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents")] HttpRequest req) =>
        api.Create(req.HttpContext);

    [Function(nameof(ListAgents))]
    public Task<IResult> ListAgents([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents")] HttpRequest req) =>
        api.List(req.HttpContext);

    [Function(nameof(GetAgent))]
    public Task<IResult> GetAgent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}")] HttpRequest req, string agentId) =>
        api.Get(req.HttpContext, agentId);

    [Function(nameof(ReplaceAgent))]
    public Task<IResult> ReplaceAgent([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/agents/{agentId}")] HttpRequest req, string agentId) =>
        api.Replace(req.HttpContext, agentId);

    [Function(nameof(PatchAgent))]
    public Task<IResult> PatchAgent([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/agents/{agentId}")] HttpRequest req, string agentId) =>
        api.Patch(req.HttpContext, agentId);

    [Function(nameof(DeleteAgent))]
    public Task<IResult> DeleteAgent([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/agents/{agentId}")] HttpRequest req, string agentId) =>
        api.Delete(req.HttpContext, agentId);

    [Function(nameof(DisableAgent))]
    public Task<IResult> DisableAgent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/disable")] HttpRequest req, string agentId) =>
        api.Disable(req.HttpContext, agentId);

    [Function(nameof(EnableAgent))]
    public Task<IResult> EnableAgent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/enable")] HttpRequest req, string agentId) =>
        api.Enable(req.HttpContext, agentId);

    [Function(nameof(ListAgentVersions))]
    public Task<IResult> ListAgentVersions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}/versions")] HttpRequest req, string agentId) =>
        api.ListVersions(req.HttpContext, agentId);

    [Function(nameof(GetAgentVersion))]
    public Task<IResult> GetAgentVersion([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}/versions/{version}")] HttpRequest req, string agentId, string version) =>
        api.GetVersion(req.HttpContext, agentId, version);

    [Function(nameof(RollbackAgent))]
    public Task<IResult> RollbackAgent([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/rollback")] HttpRequest req, string agentId) =>
        api.Rollback(req.HttpContext, agentId);
}
