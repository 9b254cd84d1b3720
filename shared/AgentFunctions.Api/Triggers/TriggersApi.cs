using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Triggers;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Triggers;

/// <summary>Triggers of an agent, their events, and the webhook intake (signed, no API key).</summary>
public sealed class TriggersApi(TriggerService triggers, WebhookIntake intake, TimeProvider time)
{
    private const int PreviewBodyLimit = 4 * 1024;

    /// <summary>The next fire times of a cron expression in an IANA time zone, exactly as the timer scheduler computes them.</summary>
    public Task<IResult> SchedulePreview(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewAgents, async _ =>
    {
        var body = await JsonBody.ReadAsync<SchedulePreviewRequest>(http.Request, PreviewBodyLimit, http.RequestAborted);
        return ApiResults.Ok(AgentFunctions.Triggers.SchedulePreview.For(body, time.GetUtcNow()));
    });

    private const int TriggerBodyLimit = 32 * 1024;

    public Task<IResult> Create(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ManageTriggers, async caller =>
    {
        var input = await JsonBody.ReadAsync<TriggerInput>(http.Request, TriggerBodyLimit, http.RequestAborted);
        var trigger = await triggers.CreateAsync(caller, agentId, input, http.RequestAborted);
        return ApiResults.Created(trigger, $"/api/v1/triggers/{trigger.Id}");
    });

    public Task<IResult> List(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await triggers.ListAsync(caller, agentId, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> Update(HttpContext http, string agentId, string triggerId) => ApiCall.RunAsync(http, Permission.ManageTriggers, async caller =>
    {
        var input = await JsonBody.ReadAsync<TriggerInput>(http.Request, TriggerBodyLimit, http.RequestAborted);
        return ApiResults.Ok(await triggers.UpdateAsync(caller, agentId, triggerId, input, http.RequestAborted));
    });

    public Task<IResult> Get(HttpContext http, string triggerId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await triggers.GetAsync(caller, triggerId, http.RequestAborted)));

    public Task<IResult> Delete(HttpContext http, string triggerId) => ApiCall.RunAsync(http, Permission.ManageTriggers, async caller =>
    {
        await triggers.DeleteAsync(caller, triggerId, http.RequestAborted);
        return ApiResults.NoContent();
    });

    public Task<IResult> RotateSecret(HttpContext http, string triggerId) => ApiCall.RunAsync(http, Permission.ManageTriggers, async caller =>
        ApiResults.Ok(await triggers.RotateSecretAsync(caller, triggerId, http.RequestAborted)));

    public Task<IResult> ListEvents(HttpContext http, string triggerId) => ApiCall.RunAsync(http, Permission.ViewRuns, async caller =>
    {
        var request = ListQuery.Read(http.Request, "status");
        return ApiResults.Ok(await triggers.ListEventsAsync(caller, triggerId, request, ReadStatus(http.Request), http.RequestAborted));
    });

    private static TriggerEventStatus? ReadStatus(HttpRequest request)
    {
        var value = request.Query["status"];
        if (value.Count == 0) return null;
        if (value.Count == 1 && value[0] is { Length: > 0 } text && char.IsAsciiLetter(text[0])
            && Enum.TryParse<TriggerEventStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status))
        {
            return status;
        }
        throw AgentFunctions.Common.ValidationFailedException.For("status", "must be one of 'queued', 'started', 'dropped'");
    }

    /// <summary>Answers 202 with the event id as soon as the event is durable and queued; the run starts later.</summary>
    public Task<IResult> Receive(HttpContext http, string triggerId) => ApiCall.RunAnonymousAsync(http, async () =>
    {
        var body = await RawBody.ReadAsync(http.Request, WebhookIntake.MaxBodyBytes, http.RequestAborted);
        var accepted = await intake.AcceptAsync(triggerId, body, http.Request.Headers, http.RequestAborted);
        return ApiResults.Accepted(accepted, $"/api/v1/triggers/{triggerId}/events");
    });
}
