using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Azure.ServiceBus;
using AgentFunctions.Common;
using AgentFunctions.Observability;
using AgentFunctions.Triggers;

namespace AgentFunctions.Tests.Observability;

/// <summary>The Service Bus side of the bus hop: the trace context and request id go out as application properties and come back.</summary>
public sealed class BusTraceContextTests : IDisposable
{
    private readonly ActivitySource caller = new("AgentFunctions.Tests.Bus");
    private readonly ActivityListener listener = new()
    {
        ShouldListenTo = source => source.Name is PlatformTelemetry.Name or "AgentFunctions.Tests.Bus",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public BusTraceContextTests() => ActivitySource.AddActivityListener(listener);

    [Fact]
    public void ToMessage_UnderATrace_CarriesTraceParentAndRequestId_WhichTheConsumerContinues()
    {
        using var request = caller.StartActivity("request")!;
        request.SetBaggage(PlatformTelemetry.RequestIdBaggage, "req-9");

        var message = ServiceBusEventBus.ToMessage(new TriggerEventReceived(new TenantId("ten_a"), "evt_1", "trg_1"));

        Assert.Equal(request.Id, message.ApplicationProperties[PlatformTelemetry.TraceParentProperty]);
        Assert.Equal("req-9", message.ApplicationProperties[PlatformTelemetry.RequestIdBaggage]);

        // The trigger binding hands the application properties over as JSON.
        var carried = ServiceBusEventBus.TraceContextOf(JsonSerializer.Serialize(message.ApplicationProperties));
        Assert.Equal(new TraceContext(request.Id!, "req-9"), carried);
        Activity.Current = null;
        using var process = PlatformTelemetry.StartProcess("trigger-events", "evt_1", carried, enqueuedAt: null, DateTimeOffset.UtcNow)!;
        Assert.Equal(request.TraceId, process.TraceId);
        Assert.Equal(request.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal("req-9", PlatformTelemetry.CurrentRequestId());
    }

    [Fact]
    public void ToMessage_WithoutATrace_CarriesNothing()
    {
        Activity.Current = null;

        var message = ServiceBusEventBus.ToMessage(new TriggerEventReceived(new TenantId("ten_a"), "evt_1", "trg_1"));

        Assert.False(message.ApplicationProperties.ContainsKey(PlatformTelemetry.TraceParentProperty));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"topic":"trigger-events"}""")]
    [InlineData("""{"traceparent":42}""")]
    public void TraceContextOf_MissingOrMalformed_IsNull(string? properties)
    {
        Assert.Null(ServiceBusEventBus.TraceContextOf(properties));
    }

    public void Dispose()
    {
        listener.Dispose();
        caller.Dispose();
    }
}
