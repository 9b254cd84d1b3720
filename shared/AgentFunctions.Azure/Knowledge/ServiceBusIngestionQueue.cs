using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Azure.Messaging.ServiceBus;

namespace AgentFunctions.Azure.Knowledge;

/// <summary>
/// Ingestion jobs on the Service Bus queue <see cref="QueueName"/> (declared in infra/main.bicep), consumed by the
/// Functions app's <c>IngestDocument</c> function. The message id names the document version, so duplicate detection
/// drops a second send of the same job; a redelivered job is harmless anyway (<see cref="KnowledgeIngestion"/> skips a
/// version that is done or superseded).
/// </summary>
public sealed class ServiceBusIngestionQueue(ServiceBusSender sender) : IIngestionQueue
{
    public const string QueueName = "document-ingestion";

    public Task EnqueueAsync(IngestionJob job, CancellationToken cancellationToken = default) =>
        sender.SendMessageAsync(ToMessage(job), cancellationToken);

    public static ServiceBusMessage ToMessage(IngestionJob job) =>
        new(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(job, PlatformJson.Stored)))
        {
            MessageId = $"{job.Tenant.Value}:{job.DocumentId}:v{job.Version}",
            ContentType = "application/json",
            Subject = QueueName,
        };

    public static IngestionJob FromBody(string body) =>
        JsonSerializer.Deserialize<IngestionJob>(body, PlatformJson.Stored) ?? throw new JsonException("The ingestion message body is null.");
}
