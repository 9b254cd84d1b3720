using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Api.Engine;

public static class EngineEndpoints
{
    public static IEndpointRouteBuilder MapEngineApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/agents/{agentId}/execute", (HttpContext http, string agentId, RunsApi h) => h.Execute(http, agentId))
            .WithName("ExecuteAgent").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        api.MapGet("v1/agents/{agentId}/runs", (HttpContext http, string agentId, RunsApi h) => h.ListRuns(http, agentId))
            .WithName("ListAgentRuns").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapGet("v1/agents/{agentId}/sessions", (HttpContext http, string agentId, RunsApi h) => h.ListSessions(http, agentId))
            .WithName("ListAgentSessions").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapPost("v1/agents/{agentId}/sessions", (HttpContext http, string agentId, RunsApi h) => h.CreateSession(http, agentId))
            .WithName("CreateSession").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        api.MapPost("v1/agents/{agentId}/sessions/{sessionId}/messages", (HttpContext http, string agentId, string sessionId, RunsApi h) => h.SendMessage(http, agentId, sessionId))
            .WithName("SendSessionMessage").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        api.MapGet("v1/conversations/{sessionId}", (HttpContext http, string sessionId, RunsApi h) => h.GetConversation(http, sessionId))
            .WithName("GetConversation").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapGet("v1/runs/{runId}", (HttpContext http, string runId, RunsApi h) => h.GetRun(http, runId))
            .WithName("GetRun").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapGet("v1/runs/{runId}/events", (HttpContext http, string runId, RunsApi h) => h.StreamEvents(http, runId))
            .WithName("StreamRunEvents").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapPost("v1/runs/{runId}/cancel", (HttpContext http, string runId, RunsApi h) => h.Cancel(http, runId))
            .WithName("CancelRun").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        api.MapPost("v1/runs/{runId}/approve", (HttpContext http, string runId, RunsApi h) => h.Approve(http, runId))
            .WithName("ApproveRunToolCall").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        api.MapPost("v1/runs/{runId}/reject", (HttpContext http, string runId, RunsApi h) => h.Reject(http, runId))
            .WithName("RejectRunToolCall").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.RunAgents);
        return api;
    }
}
