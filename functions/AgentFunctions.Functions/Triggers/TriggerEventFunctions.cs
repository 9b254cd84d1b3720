using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Azure.ServiceBus;
using AgentFunctions.Functions.Engine;
using AgentFunctions.Observability;
using AgentFunctions.Triggers;
using AgentFunctions.Triggers.Listeners;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions.Triggers;

/// <summary>
/// The trigger side of the Functions app beside its HTTP routes: the clock (a timer function, every minute, fires due
/// timer triggers, polls the listeners that are due and sweeps events left queued) and the Service Bus consumer that
/// turns each event on the <c>trigger-events</c> topic into a run. Both are thin: the schedulers and the dispatcher
/// are the same services the local host runs.
/// </summary>
public sealed class TriggerEventFunctions(
    TimerScheduler timers,
    PollScheduler polls,
    EventDispatcher dispatcher,
    DurableClientBinding durable,
    ILogger<TriggerEventFunctions> logger)
{
    /// <summary>Topic and subscription as infra/app/servicebus.bicep declares them (every topic has an "engine" subscription).</summary>
    public const string Subscription = "engine";

    [Function(nameof(TriggerClock))]
    public async Task TriggerClock([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var fired = await timers.TickAsync(cancellationToken).ConfigureAwait(false);
        var polled = await polls.TickAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Trigger clock: {Fired} timer events, {Polls} polls (late: {IsPastDue})", fired, polled, timer.IsPastDue);
    }

    /// <summary>
    /// One event, one run. The message id is the event id (the topic drops duplicates for 10 minutes) and the run id is
    /// derived from the event, so a redelivery starts nothing new. An exception leaves the message to Service Bus: it is
    /// delivered again, and after the subscription's maxDeliveryCount it goes to the dead-letter queue with the reason.
    /// </summary>
    [Function(nameof(DispatchTriggerEvent))]
    public async Task DispatchTriggerEvent(
        [ServiceBusTrigger("trigger-events", Subscription, Connection = "ServiceBusConnection")] string body,
        [DurableClient] DurableTaskClient client,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        durable.Bind(client);
        // The bus hop's consumer span continues the sender's trace (the traceparent application property).
        var binding = context.BindingContext.BindingData;
        var trace = ServiceBusEventBus.TraceContextOf(binding.TryGetValue("ApplicationProperties", out var properties) ? properties?.ToString() : null);
        DateTimeOffset? enqueuedAt = binding.TryGetValue("EnqueuedTimeUtc", out var enqueued) && DateTimeOffset.TryParse(enqueued?.ToString(), out var at) ? at : null;
        using var span = PlatformTelemetry.StartProcess("trigger-events", binding.TryGetValue("MessageId", out var id) ? id?.ToString() ?? "" : "",
            trace, enqueuedAt, DateTimeOffset.UtcNow);
        TriggerEventReceived message;
        try
        {
            message = JsonSerializer.Deserialize<TriggerEventReceived>(body, PlatformJson.Stored)
                ?? throw new JsonException("The message body is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Not a {nameof(TriggerEventReceived)} message: {ex.Message}", ex);
        }
        await dispatcher.DispatchAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
