using AgentFunctions.Api.Engine;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Triggers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Functions.Engine;

public static class DurableEngineServices
{
    /// <summary>
    /// The engine on Durable Functions. The orchestration client is the invocation's own <c>[DurableClient]</c> binding,
    /// so it and everything that starts, reads or signals runs live per invocation (scoped), never in a process-wide slot.
    /// </summary>
    public static IServiceCollection AddDurableEngine(this IServiceCollection services)
    {
        services.AddScoped<DurableClientBinding>();
        services.Replace(ServiceDescriptor.Scoped<IOrchestrationClient>(sp =>
            {
                var binding = sp.GetRequiredService<DurableClientBinding>();
                return new DurableOrchestrationClient(() => binding.Client, sp.GetRequiredService<TimeProvider>());
            }));
        services.Replace(ServiceDescriptor.Scoped<RunService, RunService>());
        services.Replace(ServiceDescriptor.Scoped<SessionService, SessionService>());
        services.Replace(ServiceDescriptor.Scoped<RunsApi, RunsApi>());
        // The Service Bus consumer starts runs with the Durable client of its own invocation.
        services.Replace(ServiceDescriptor.Scoped<EventDispatcher, EventDispatcher>());
        return services;
    }
}
