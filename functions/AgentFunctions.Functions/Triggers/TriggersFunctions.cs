using AgentFunctions.Api.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Triggers;

/// <summary>The trigger routes and the webhook intake as Azure Functions, on the handlers the local host maps too.</summary>
public sealed class TriggersFunctions(TriggersApi api)
{
    [Function(nameof(CreateTrigger))]
    public Task<IResult> CreateTrigger([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/triggers")] HttpRequest req, string agentId) =>
        api.Create(req.HttpContext, agentId);

    [Function(nameof(ListTriggers))]
    public Task<IResult> ListTriggers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/agents/{agentId}/triggers")] HttpRequest req, string agentId) =>
        api.List(req.HttpContext, agentId);

    [Function(nameof(UpdateTrigger))]
    public Task<IResult> UpdateTrigger([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "v1/agents/{agentId}/triggers/{triggerId}")] HttpRequest req, string agentId, string triggerId) =>
        api.Update(req.HttpContext, agentId, triggerId);

    [Function(nameof(PreviewTriggerSchedule))]
    public Task<IResult> PreviewTriggerSchedule([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/triggers/schedule-preview")] HttpRequest req) =>
        api.SchedulePreview(req.HttpContext);

    [Function(nameof(GetTrigger))]
    public Task<IResult> GetTrigger([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/triggers/{triggerId}")] HttpRequest req, string triggerId) =>
        api.Get(req.HttpContext, triggerId);

    [Function(nameof(DeleteTrigger))]
    public Task<IResult> DeleteTrigger([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/triggers/{triggerId}")] HttpRequest req, string triggerId) =>
        api.Delete(req.HttpContext, triggerId);

    [Function(nameof(RotateTriggerSecret))]
    public Task<IResult> RotateTriggerSecret([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/triggers/{triggerId}/rotate-secret")] HttpRequest req, string triggerId) =>
        api.RotateSecret(req.HttpContext, triggerId);

    [Function(nameof(ListTriggerEvents))]
    public Task<IResult> ListTriggerEvents([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/triggers/{triggerId}/events")] HttpRequest req, string triggerId) =>
        api.ListEvents(req.HttpContext, triggerId);

    /// <summary>Anonymous at the Functions level: the Standard Webhooks signature is the credential.</summary>
    [Function(nameof(ReceiveWebhook))]
    public Task<IResult> ReceiveWebhook([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/hooks/{triggerId}")] HttpRequest req, string triggerId) =>
        api.Receive(req.HttpContext, triggerId);
}
