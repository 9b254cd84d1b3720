using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Agents;

/// <summary>Agent CRUD, versions and rollback. Reads answer with the agent's ETag; changes need it back in If-Match.</summary>
public sealed class AgentsApi(AgentService agents)
{
    private const int AgentBodyLimit = 128 * 1024;

    public Task<IResult> Create(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageAgents, async caller =>
    {
        var input = await JsonBody.ReadAsync<AgentInput>(http.Request, AgentBodyLimit, http.RequestAborted);
        var created = await agents.CreateAsync(caller, input, http.RequestAborted);
        return ApiResults.Created(created.Value, $"/api/v1/agents/{created.Value.Id}", created.ETag);
    });

    public Task<IResult> List(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await agents.ListAsync(caller, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> Get(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        var agent = await agents.GetAsync(caller, agentId, http.RequestAborted);
        return ApiResults.Ok(agent.Value, agent.ETag);
    });

    public Task<IResult> Replace(HttpContext http, string agentId) => Update(http, agentId, merge: false);

    public Task<IResult> Patch(HttpContext http, string agentId) => Update(http, agentId, merge: true);

    public Task<IResult> Disable(HttpContext http, string agentId) => SetEnabled(http, agentId, enabled: false);

    public Task<IResult> Enable(HttpContext http, string agentId) => SetEnabled(http, agentId, enabled: true);

    public Task<IResult> Delete(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ManageAgents, async caller =>
    {
        await agents.DeleteAsync(caller, agentId, ApiResults.IfMatch(http.Request), http.RequestAborted);
        return ApiResults.NoContent();
    });

    public Task<IResult> ListVersions(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await agents.ListVersionsAsync(caller, agentId, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> GetVersion(HttpContext http, string agentId, string version) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        if (!int.TryParse(version, out var number) || number < 1) throw new NotFoundException($"Version '{version}'");
        return ApiResults.Ok(await agents.GetVersionAsync(caller, agentId, number, http.RequestAborted));
    });

    public Task<IResult> Rollback(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ManageAgents, async caller =>
    {
        var body = await JsonBody.ReadAsync<RollbackRequest>(http.Request, cancellationToken: http.RequestAborted);
        if (body.Version is not { } number) throw ValidationFailedException.For("version", "is required (a version number from GET .../versions)");
        if (number < 1) throw ValidationFailedException.For("version", "must be 1 or more (version numbers start at 1; see GET .../versions)");
        var agent = await agents.RollbackAsync(caller, agentId, number, ApiResults.IfMatch(http.Request), http.RequestAborted);
        return ApiResults.Ok(agent.Value, agent.ETag);
    });

    private Task<IResult> Update(HttpContext http, string agentId, bool merge) => ApiCall.RunAsync(http, Permission.ManageAgents, async caller =>
    {
        var input = await JsonBody.ReadAsync<AgentInput>(http.Request, AgentBodyLimit, http.RequestAborted);
        var agent = await agents.UpdateAsync(caller, agentId, input, ApiResults.IfMatch(http.Request), merge, http.RequestAborted);
        return ApiResults.Ok(agent.Value, agent.ETag);
    });

    private Task<IResult> SetEnabled(HttpContext http, string agentId, bool enabled) => ApiCall.RunAsync(http, Permission.ManageAgents, async caller =>
    {
        var agent = await agents.SetEnabledAsync(caller, agentId, enabled, ApiResults.IfMatch(http.Request), http.RequestAborted);
        return ApiResults.Ok(agent.Value, agent.ETag);
    });
}
