using AgentFunctions.Api.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// The engine's HTTP routes as Functions: same names, methods, templates and auth levels as <see cref="EngineEndpoints"/>.
/// Each hands its own <c>[DurableClient]</c> binding to the invocation's services before calling the shared handler
/// (the class, <see cref="RunsApi"/> and <see cref="DurableClientBinding"/> are all per invocation).
/// </summary>
public sealed class EngineFunctions(RunsApi api, DurableClientBinding durable)
{
    [Function(nameof(ExecuteAgent))]
    public Task<IResult> ExecuteAgent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/execute")] HttpRequest req, string agentId,
        [DurableClient] DurableTaskClient client) => Use(client).Execute(req.HttpContext, agentId);

    [Function(nameof(CreateSession))]
    public Task<IResult> CreateSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/sessions")] HttpRequest req, string agentId,
        [DurableClient] DurableTaskClient client) => Use(client).CreateSession(req.HttpContext, agentId);

    [Function(nameof(ListAgentRuns))]
    public Task<IResult> ListAgentRuns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}/runs")] HttpRequest req, string agentId,
        [DurableClient] DurableTaskClient client) => Use(client).ListRuns(req.HttpContext, agentId);

    [Function(nameof(ListAgentSessions))]
    public Task<IResult> ListAgentSessions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}/sessions")] HttpRequest req, string agentId,
        [DurableClient] DurableTaskClient client) => Use(client).ListSessions(req.HttpContext, agentId);

    [Function(nameof(SendSessionMessage))]
    public Task<IResult> SendSessionMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/sessions/{sessionId}/messages")] HttpRequest req,
        string agentId, string sessionId, [DurableClient] DurableTaskClient client) => Use(client).SendMessage(req.HttpContext, agentId, sessionId);

    [Function(nameof(GetConversation))]
    public Task<IResult> GetConversation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/conversations/{sessionId}")] HttpRequest req, string sessionId,
        [DurableClient] DurableTaskClient client) => Use(client).GetConversation(req.HttpContext, sessionId);

    [Function(nameof(GetRun))]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/runs/{runId}")] HttpRequest req, string runId,
        [DurableClient] DurableTaskClient client) => Use(client).GetRun(req.HttpContext, runId);

    [Function(nameof(StreamRunEvents))]
    public Task<IResult> StreamRunEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/runs/{runId}/events")] HttpRequest req, string runId,
        [DurableClient] DurableTaskClient client) => Use(client).StreamEvents(req.HttpContext, runId);

    [Function(nameof(CancelRun))]
    public Task<IResult> CancelRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/runs/{runId}/cancel")] HttpRequest req, string runId,
        [DurableClient] DurableTaskClient client) => Use(client).Cancel(req.HttpContext, runId);

    [Function(nameof(ApproveRunToolCall))]
    public Task<IResult> ApproveRunToolCall(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/runs/{runId}/approve")] HttpRequest req, string runId,
        [DurableClient] DurableTaskClient client) => Use(client).Approve(req.HttpContext, runId);

    [Function(nameof(RejectRunToolCall))]
    public Task<IResult> RejectRunToolCall(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/runs/{runId}/reject")] HttpRequest req, string runId,
        [DurableClient] DurableTaskClient client) => Use(client).Reject(req.HttpContext, runId);

    private RunsApi Use(DurableTaskClient client)
    {
        durable.Bind(client);
        return api;
    }
}
