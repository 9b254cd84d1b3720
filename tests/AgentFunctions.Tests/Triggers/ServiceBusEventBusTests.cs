using AgentFunctions.Azure.ServiceBus;
using AgentFunctions.Common;
using AgentFunctions.Triggers;
using Azure.Messaging.ServiceBus;
using Moq;

namespace AgentFunctions.Tests.Triggers;

/// <summary>The Service Bus adapter at the SDK boundary: what it sends, to which topic, with which message id.</summary>
public sealed class ServiceBusEventBusTests
{
    [Fact]
    public async Task Publish_SendsToTheMessagesTopic_WithTheEventIdAsMessageId()
    {
        var sent = new List<ServiceBusMessage>();
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent.Add(m))
            .Returns(Task.CompletedTask);
        var client = new Mock<ServiceBusClient>();
        client.Setup(c => c.CreateSender(TriggerEventReceived.Topic)).Returns(sender.Object);
        await using var bus = new ServiceBusEventBus(client.Object);

        var message = new TriggerEventReceived(new TenantId("acme"), "evt_123", "trg_9");
        await bus.PublishAsync(message);
        await bus.PublishAsync(message with { EventId = "evt_456" });

        client.Verify(c => c.CreateSender("trigger-events"), Times.Once); // one sender per topic, reused
        Assert.Equal(["evt_123", "evt_456"], sent.Select(m => m.MessageId));
        Assert.All(sent, m => Assert.Equal("application/json", m.ContentType));
        var body = m(sent[0]);
        Assert.Equal("acme", body.GetProperty("tenant").GetString());
        Assert.Equal("evt_123", body.GetProperty("event_id").GetString());
        Assert.Equal("trg_9", body.GetProperty("trigger_id").GetString());

        static System.Text.Json.JsonElement m(ServiceBusMessage message) => System.Text.Json.JsonDocument.Parse(message.Body.ToString()).RootElement;
    }

    [Fact]
    public async Task ReceivedMessage_RoundTripsThroughTheSubscription()
    {
        // What the Service Bus-triggered function hands the dispatcher: the body the sender wrote.
        var outgoing = ServiceBusEventBus.ToMessage(new TriggerEventReceived(new TenantId("acme"), "evt_1", "trg_1"));
        var received = ServiceBusModelFactory.ServiceBusReceivedMessage(body: outgoing.Body, messageId: outgoing.MessageId, contentType: outgoing.ContentType);
        TriggerEventReceived? handled = null;
        var subscription = new BusSubscription<TriggerEventReceived>((m, _) => { handled = m; return Task.CompletedTask; });
        await subscription.HandleAsync(received.Body.ToMemory(), CancellationToken.None);
        Assert.Equal(new TriggerEventReceived(new TenantId("acme"), "evt_1", "trg_1"), handled);
        Assert.Equal("evt_1", received.MessageId);
    }
}
