using AgentFunctions.Access;
using System.Globalization;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Tools;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Tools;

/// <summary>The tenant's tool registry.</summary>
public sealed class ToolsApi(ToolRegistryService registry, IToolCatalog catalog)
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

    /// <summary>
    /// <c>GET /api/v1/tools/{toolName}/listed-tools</c>: the tools an agent that allowlists this entry gets, resolved as a
    /// run resolves them: a whole-server MCP entry's tools as its server lists them now (<c>{entry}.{tool}</c>, with their
    /// input schemas; a server that needs a credential to list, or cannot be reached, lists nothing here), any other entry
    /// itself. Paged by offset over that one listing.
    /// </summary>
    public Task<IResult> ListListedTools(HttpContext http, string toolName) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        var request = ListQuery.Read(http.Request);
        var entry = await registry.GetAsync(caller, toolName, http.RequestAborted);
        var tools = await catalog.ResolveAsync(caller.Tenant, [entry.Value.Id], http.RequestAborted);
        var list = $"listed-tools|{entry.Value.Id}|{entry.ETag}";
        var offset = 0;
        if (ListCursor.Open(caller.Tenant, list, request.Cursor) is { } opened
            && (!int.TryParse(opened, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > tools.Count))
        {
            throw ValidationFailedException.For("cursor", "is not a cursor this list issued; start again without a cursor");
        }
        var page = tools.Skip(offset).Take(request.Limit)
            .Select(t => new ListedTool(t.Name, t.Description, t.InputSchema, t.Kind.ToString().ToLowerInvariant(), t.RequiresApproval)).ToList();
        var next = offset + page.Count < tools.Count ? ListCursor.Seal(caller.Tenant, list, (offset + page.Count).ToString(CultureInfo.InvariantCulture)) : null;
        return ApiResults.Ok(new ListPage<ListedTool>(page, next));
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

/// <summary>One tool a registry entry provides (<see cref="ToolsApi.ListListedTools"/>).</summary>
public sealed record ListedTool(string Name, string Description, System.Text.Json.JsonElement InputSchema, string Kind, bool RequiresApproval);
