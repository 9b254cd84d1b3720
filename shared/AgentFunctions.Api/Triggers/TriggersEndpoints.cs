using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Triggers;
using AgentFunctions.Triggers.Listeners;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Api.Triggers;

public static class TriggersEndpoints
{
    /// <summary>The trigger services and handlers. Needs an <see cref="IEventBus"/> from the host's adapters.</summary>
    public static IServiceCollection AddTriggersFeature(this IServiceCollection services)
    {
        services.AddSingleton<TriggerService>();
        services.AddSingleton<WebhookIntake>();
        services.AddSingleton<TimerScheduler>();
        services.AddSingleton<EventDispatcher>();
        services.AddOptions<ListenerEndpoints>().BindConfiguration("AgentFunctions:Listeners");
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ListenerEndpoints>>().Value);
        services.AddSingleton<IListenerHttp, GuardedListenerHttp>();
        services.AddSingleton<ITriggerListener, HttpPollListener>();
        services.AddSingleton<ITriggerListener, HubSpotListener>();
        services.AddSingleton<ITriggerListener, GmailListener>();
        services.AddSingleton<PollScheduler>();
        services.AddSingleton<IBusSubscription>(sp => new BusSubscription<TriggerEventReceived>(sp.GetRequiredService<EventDispatcher>().DispatchAsync));
        services.AddSingleton<TriggersApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapTriggersApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/agents/{agentId}/triggers", (HttpContext http, string agentId, TriggersApi h) => h.Create(http, agentId)).WithName("CreateTrigger").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTriggers);
        api.MapGet("v1/agents/{agentId}/triggers", (HttpContext http, string agentId, TriggersApi h) => h.List(http, agentId)).WithName("ListTriggers").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPatch("v1/agents/{agentId}/triggers/{triggerId}", (HttpContext http, string agentId, string triggerId, TriggersApi h) => h.Update(http, agentId, triggerId)).WithName("UpdateTrigger").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTriggers);
        api.MapGet("v1/triggers/{triggerId}", (HttpContext http, string triggerId, TriggersApi h) => h.Get(http, triggerId)).WithName("GetTrigger").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapDelete("v1/triggers/{triggerId}", (HttpContext http, string triggerId, TriggersApi h) => h.Delete(http, triggerId)).WithName("DeleteTrigger").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTriggers);
        api.MapPost("v1/triggers/{triggerId}/rotate-secret", (HttpContext http, string triggerId, TriggersApi h) => h.RotateSecret(http, triggerId)).WithName("RotateTriggerSecret").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageTriggers);
        api.MapGet("v1/triggers/{triggerId}/events", (HttpContext http, string triggerId, TriggersApi h) => h.ListEvents(http, triggerId)).WithName("ListTriggerEvents").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewRuns);
        api.MapPost("v1/triggers/schedule-preview", (HttpContext http, TriggersApi h) => h.SchedulePreview(http)).WithName("PreviewTriggerSchedule").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPost("v1/hooks/{triggerId}", (HttpContext http, string triggerId, TriggersApi h) => h.Receive(http, triggerId)).WithName("ReceiveWebhook").WithMetadata(AuthLevel.Anonymous).Anonymous();
        return api;
    }
}
