using AgentFunctions.Api.Hosting;
using AgentFunctions.Functions.Triggers;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Functions.Hosting;

/// <summary>
/// The Functions app's own readiness check beside the platform's (store = Cosmos DB, vault = Key Vault, orchestration =
/// the Durable task hub): the bus, one peek at the trigger-events subscription the dispatcher consumes (needs the
/// identity's Service Bus role). No index check until the AI Search wiring lands (KnowledgeNotDeployed).
/// </summary>
public static class FunctionsReadiness
{
    public static IServiceCollection AddFunctionsReadiness(this IServiceCollection services) =>
        services.AddReadinessCheck("bus", async (sp, ct) =>
        {
            await using var receiver = sp.GetRequiredService<ServiceBusClient>().CreateReceiver("trigger-events", TriggerEventFunctions.Subscription);
            await receiver.PeekMessageAsync(cancellationToken: ct).ConfigureAwait(false);
        });
}
