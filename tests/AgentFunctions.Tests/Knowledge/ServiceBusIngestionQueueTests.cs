using System.Text.Json;
using AgentFunctions.Azure.Knowledge;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Azure.Messaging.ServiceBus;
using Moq;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The Azure ingestion queue at the SDK boundary: what goes on the document-ingestion queue, and back.</summary>
public sealed class ServiceBusIngestionQueueTests
{
    [Fact]
    public async Task Enqueue_SendsTheJob_WithTheDocumentVersionAsMessageId()
    {
        var sent = new List<ServiceBusMessage>();
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent.Add(m))
            .Returns(Task.CompletedTask);
        var queue = new ServiceBusIngestionQueue(sender.Object);
        var job = new IngestionJob(new TenantId("ten_acme"), "kb_1", "doc_9", 3);

        await queue.EnqueueAsync(job);
        await queue.EnqueueAsync(job);

        Assert.Equal(2, sent.Count);
        Assert.All(sent, m => Assert.Equal("ten_acme:doc_9:v3", m.MessageId)); // duplicate detection drops the second
        Assert.Equal("application/json", sent[0].ContentType);
        var body = JsonDocument.Parse(sent[0].Body.ToString()).RootElement;
        Assert.Equal("ten_acme", body.GetProperty("tenant").GetString());
        Assert.Equal("kb_1", body.GetProperty("knowledge_base_id").GetString());
        Assert.Equal(3, body.GetProperty("version").GetInt32());
        Assert.Equal(job, ServiceBusIngestionQueue.FromBody(sent[0].Body.ToString()));
    }

    [Fact]
    public void FromBody_NotAJob_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => ServiceBusIngestionQueue.FromBody("null"));
        Assert.ThrowsAny<JsonException>(() => ServiceBusIngestionQueue.FromBody("{not json"));
    }
}
