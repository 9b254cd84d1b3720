using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Sessions;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Engine;

/// <summary>The engine's HTTP handlers: execute, chat sessions, conversations, runs (read, stream, cancel, approve, reject).</summary>
public sealed class RunsApi(RunService runs, SessionService sessions, EngineOptions options)
{
    public Task<IResult> Execute(HttpContext http, string agentId) =>
        ApiCall.RunAsync(http, Permission.RunAgents, async caller =>
        {
            var request = await JsonBody.ReadAsync<ExecuteAgentRequest>(http.Request, cancellationToken: http.RequestAborted).ConfigureAwait(false);
            ValidateWait(request.WaitSeconds);
            var run = await runs.StartAsync(caller, agentId, request.Input, request.SessionId, http.RequestAborted).ConfigureAwait(false);
            return await AnswerAsync(http, caller, run, request.Wait, request.WaitSeconds).ConfigureAwait(false);
        });

    public Task<IResult> CreateSession(HttpContext http, string agentId) =>
        ApiCall.RunAsync(http, Permission.RunAgents, async caller =>
        {
            var request = await ReadOptionalAsync<CreateSessionRequest>(http).ConfigureAwait(false) ?? new CreateSessionRequest();
            var session = await sessions.CreateAsync(caller, agentId, request.Title, http.RequestAborted).ConfigureAwait(false);
            http.Response.Headers.Location = $"/api/v1/conversations/{session.Id}";
            return Results.Json(session, PlatformJson.Options, statusCode: StatusCodes.Status201Created);
        });

    public Task<IResult> SendMessage(HttpContext http, string agentId, string sessionId) =>
        ApiCall.RunAsync(http, Permission.RunAgents, async caller =>
        {
            var request = await JsonBody.ReadAsync<SendMessageRequest>(http.Request, cancellationToken: http.RequestAborted).ConfigureAwait(false);
            ValidateWait(request.WaitSeconds);
            var run = await runs.StartAsync(caller, agentId, request.Content, sessionId, http.RequestAborted, inputField: "content").ConfigureAwait(false);
            return await AnswerAsync(http, caller, run, request.Wait, request.WaitSeconds).ConfigureAwait(false);
        });

    public Task<IResult> ListRuns(HttpContext http, string agentId) =>
        ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
        {
            var page = ListQuery.Read(http.Request, "status");
            var status = ReadStatus(http.Request);
            return Results.Json(await runs.ListAsync(caller, agentId, status, page, http.RequestAborted).ConfigureAwait(false), PlatformJson.Options);
        });

    public Task<IResult> ListSessions(HttpContext http, string agentId) =>
        ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
        {
            var page = ListQuery.Read(http.Request);
            return Results.Json(await sessions.ListAsync(caller, agentId, page, http.RequestAborted).ConfigureAwait(false), PlatformJson.Options);
        });

    public Task<IResult> GetConversation(HttpContext http, string sessionId) =>
        ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
            Results.Json(await sessions.GetConversationAsync(caller, sessionId, http.RequestAborted).ConfigureAwait(false), PlatformJson.Options));

    public Task<IResult> GetRun(HttpContext http, string runId) =>
        ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
            Results.Json(await runs.GetAsync(caller, runId, http.RequestAborted).ConfigureAwait(false), PlatformJson.Options));

    public Task<IResult> StreamEvents(HttpContext http, string runId) =>
        ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
        {
            var events = await runs.WatchAsync(caller, runId, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.ServerSentEvents(AsSse(events, http.RequestAborted));
        });

    public Task<IResult> Cancel(HttpContext http, string runId) =>
        ApiCall.RunAsync(http, Permission.RunAgents, async caller =>
            Results.Json(await runs.CancelAsync(caller, runId, http.RequestAborted).ConfigureAwait(false), PlatformJson.Options));

    public Task<IResult> Approve(HttpContext http, string runId) => Decide(http, runId, approved: true);

    public Task<IResult> Reject(HttpContext http, string runId) => Decide(http, runId, approved: false);

    private Task<IResult> Decide(HttpContext http, string runId, bool approved) =>
        ApiCall.RunAsync(http, Permission.RunAgents, async caller =>
        {
            var request = await ReadOptionalAsync<RunDecisionRequest>(http).ConfigureAwait(false) ?? new RunDecisionRequest();
            var view = await runs.DecideAsync(caller, runId, approved, request.CallId, request.Reason, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(view, PlatformJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

    /// <summary>200 with the finished run, or 202 with its location when it is still running (async, or the wait ran out).</summary>
    private async Task<IResult> AnswerAsync(HttpContext http, Caller caller, Run run, bool wait, int? waitSeconds)
    {
        var view = wait
            ? await runs.WaitAsync(caller, run.Id, TimeSpan.FromSeconds(waitSeconds ?? options.DefaultWaitSeconds), http.RequestAborted).ConfigureAwait(false)
            : RunView.From(run);
        if (view.Status.IsFinal())
        {
            return Results.Json(view, PlatformJson.Options);
        }
        http.Response.Headers.Location = $"/api/v1/runs/{run.Id}";
        return Results.Json(view, PlatformJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The <c>status</c> filter: one of the run statuses by its wire name, or absent.</summary>
    private static RunStatus? ReadStatus(HttpRequest request)
    {
        if (!request.Query.TryGetValue("status", out var values)) return null;
        var names = Enum.GetValues<RunStatus>().ToDictionary(s => JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString()), StringComparer.Ordinal);
        if (values.Count == 1 && values[0] is { } text && names.TryGetValue(text, out var status)) return status;
        throw ValidationFailedException.For("status", "must be one of " + string.Join(", ", names.Keys));
    }

    // Checked before the run starts: a refused request must not leave a run (and its tool calls) behind.
    private void ValidateWait(int? waitSeconds) =>
        new Validation().Require(waitSeconds is null || (waitSeconds >= 0 && waitSeconds <= options.MaxWaitSeconds), "wait_seconds",
            $"must be between 0 and {options.MaxWaitSeconds}").ThrowIfInvalid();

    private static async IAsyncEnumerable<SseItem<string>> AsSse(IAsyncEnumerable<RunEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(item.Data, item.Data.GetType(), PlatformJson.Options), item.Type);
        }
    }

    /// <summary>Approve, reject and create-session accept an empty body.</summary>
    private static async Task<T?> ReadOptionalAsync<T>(HttpContext http)
        where T : class
    {
        if (http.Request.ContentLength is 0 || (http.Request.ContentLength is null && string.IsNullOrEmpty(http.Request.ContentType)))
        {
            return null;
        }
        return await JsonBody.ReadAsync<T>(http.Request, cancellationToken: http.RequestAborted).ConfigureAwait(false);
    }
}
