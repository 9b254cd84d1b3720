using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentFunctions.Observability;

/// <summary>
/// The platform's one <see cref="ActivitySource"/> and <see cref="Meter"/> (both named <see cref="Name"/>), and the few
/// calls the services make at their boundaries: a span and its measurements per API request (ASP.NET Core's own),
/// trigger intake, bus hop, run, model call, tool call and retrieval. Model and tool spans follow the OpenTelemetry
/// GenAI semantic conventions (gen_ai.*). Nothing here records a payload, a prompt or a secret: ids, names, counts.
/// Exporters are chosen by each host (PlatformTelemetryServices in AgentFunctions.Api).
/// </summary>
public static class PlatformTelemetry
{
    public const string Name = "AgentFunctions";

    /// <summary>Where a bus adapter carries the W3C trace context beside a message (Service Bus application property, local queue field).</summary>
    public const string TraceParentProperty = "traceparent";

    /// <summary>The request id travels as W3C baggage with the trace, so logs after the bus hop carry the webhook's.</summary>
    public const string RequestIdBaggage = "request_id";

    public static readonly ActivitySource Source = new(Name, "1.0.0");

    public static readonly Meter Meter = new(Name, "1.0.0");

    // Bucket boundaries the GenAI semantic conventions advise (seconds; tokens in powers of four).
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
    };

    private static readonly Histogram<double> ModelDuration = Meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "Duration of model calls", tags: null, advice: SecondsAdvice);

    private static readonly Histogram<long> ModelTokens = Meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Tokens per model call, by gen_ai.token.type (input, output)", tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });

    private static readonly Counter<long> ToolCalls = Meter.CreateCounter<long>(
        "agentfunctions.tool.calls", "{call}", "Tool calls by tool and outcome");

    private static readonly Counter<long> ToolFailures = Meter.CreateCounter<long>(
        "agentfunctions.tool.failures", "{call}", "Tool calls that failed, by tool and error type");

    private static readonly Counter<long> RunsEnded = Meter.CreateCounter<long>(
        "agentfunctions.runs", "{run}", "Runs by final status");

    private static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>(
        "agentfunctions.runs.started", "{run}", "Runs started");

    private static readonly Counter<long> BusPublished = Meter.CreateCounter<long>(
        "agentfunctions.bus.published", "{message}", "Messages published, by topic");

    private static readonly Histogram<double> BusLag = Meter.CreateHistogram<double>(
        "agentfunctions.bus.lag", "s", "Time from publish to the start of handling, by topic", tags: null, advice: SecondsAdvice);

    private static readonly Counter<long> TriggerEvents = Meter.CreateCounter<long>(
        "agentfunctions.trigger.events", "{event}", "Trigger events taken in, by system and outcome (recorded, duplicate)");

    private static Func<IEnumerable<Measurement<long>>>? queueDepth;

    static PlatformTelemetry()
    {
        Meter.CreateObservableGauge("agentfunctions.bus.queue_depth", () => queueDepth?.Invoke() ?? [], "{message}",
            "Messages waiting in the local bus (Azure: Service Bus's own metrics), by topic");
    }

    /// <summary>A bus adapter that can count its waiting messages reports them here (the local bus does).</summary>
    public static void ObserveQueueDepth(Func<IEnumerable<Measurement<long>>> observe) => queueDepth = observe;

    /// <summary>The current W3C trace context (traceparent), to travel with a message; null when nothing is traced.</summary>
    public static string? CurrentTraceParent() => Activity.Current?.Id is { } id && Activity.Current.IdFormat == ActivityIdFormat.W3C ? id : null;

    /// <summary>The current trace context and request id, to travel with work that leaves this flow; null when nothing is traced.</summary>
    public static TraceContext? Capture() => CurrentTraceParent() is { } traceParent ? new TraceContext(traceParent, CurrentRequestId()) : null;

    /// <summary>
    /// A span whose parent is a carried context (none: a new trace), with the carried request id as its baggage. When the
    /// sampler records nothing for it (spans not exported at all, or a parent it did not sample), a bare activity of no
    /// source stands in: no sampler or exporter sees it, yet it carries the trace context and the request id to the logs.
    /// </summary>
    private static Activity? StartFrom(string name, ActivityKind kind, TraceContext? carried)
    {
        ActivityContext.TryParse(carried?.TraceParent, null, out var parent);
        var activity = Source.StartActivity(name, kind, parent);
        if (activity is null && parent != default)
        {
            activity = new Activity(name).SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags).Start();
        }
        if (activity is not null && carried?.RequestId is { } requestId) activity.SetBaggage(RequestIdBaggage, requestId);
        return activity;
    }

    /// <summary>The request id of the current trace: the baggage set at the edge, else the trace id.</summary>
    public static string? CurrentRequestId() =>
        Activity.Current is { } current ? current.GetBaggageItem(RequestIdBaggage) ?? current.TraceId.ToString() : null;

    public static Activity? StartTriggerIntake(string system, string triggerId)
    {
        var activity = Source.StartActivity("trigger.intake " + system, ActivityKind.Server);
        activity?.SetTag("agentfunctions.trigger.system", system);
        activity?.SetTag("agentfunctions.trigger.id", triggerId);
        return activity;
    }

    public static void TriggerEventTaken(Activity? activity, string system, string tenantId, string eventId, bool duplicate)
    {
        activity?.SetTag("agentfunctions.tenant.id", tenantId);
        activity?.SetTag("agentfunctions.event.id", eventId);
        activity?.SetTag("agentfunctions.event.duplicate", duplicate);
        TriggerEvents.Add(1, new("agentfunctions.trigger.system", system), new("outcome", duplicate ? "duplicate" : "recorded"));
    }

    /// <summary>The producer span of a bus hop; its id is what travels with the message.</summary>
    public static Activity? StartPublish(string topic, string messageId)
    {
        var activity = Source.StartActivity("publish " + topic, ActivityKind.Producer);
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.message.id", messageId);
        BusPublished.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", topic));
        return activity;
    }

    /// <summary>The consumer span of a bus hop, child of the producer's trace context when the message carried one.</summary>
    public static Activity? StartProcess(string topic, string messageId, TraceContext? carried, DateTimeOffset? enqueuedAt, DateTimeOffset now)
    {
        var activity = StartFrom("process " + topic, ActivityKind.Consumer, carried);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.message.id", messageId);
        if (enqueuedAt is { } enqueued)
        {
            BusLag.Record(Math.Max(0, (now - enqueued).TotalSeconds), new KeyValuePair<string, object?>("messaging.destination.name", topic));
        }
        return activity;
    }

    /// <summary>The span of one run's start (API, chat or trigger event); the orchestration carries its context on.</summary>
    public static Activity? StartRun(string tenantId, string agentId, string runId, string? sessionId)
    {
        var activity = Source.StartActivity("invoke_agent " + agentId, ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", "invoke_agent");
        activity?.SetTag("gen_ai.agent.id", agentId);
        activity?.SetTag("agentfunctions.tenant.id", tenantId);
        activity?.SetTag("agentfunctions.run.id", runId);
        if (sessionId is not null) activity?.SetTag("gen_ai.conversation.id", sessionId);
        RunsStarted.Add(1);
        return activity;
    }

    /// <summary>An effect of a run (model call, tool call, retrieval) under the run's trace context.</summary>
    private static Activity? StartUnderRun(string name, ActivityKind kind, TraceContext? run)
    {
        // Inside an activity the host may have its own span in the run's trace (Durable's); otherwise the run's
        // carried context is the parent (a worker thread's ambient span belongs to whatever ran there before).
        if (run is not null && Activity.Current?.TraceId.ToString() != TraceIdOf(run.TraceParent))
        {
            Activity.Current = null;
            return StartFrom(name, kind, run);
        }
        // Unsampled under the host's span: from the run's carried context instead, which keeps its request id.
        var activity = Source.StartActivity(name, kind) ?? (run is null ? null : StartFrom(name, kind, run));
        if (activity is not null && run?.RequestId is { } requestId && activity.GetBaggageItem(RequestIdBaggage) is null)
        {
            activity.SetBaggage(RequestIdBaggage, requestId);
        }
        return activity;
    }

    private static string? TraceIdOf(string traceParent) => ActivityContext.TryParse(traceParent, null, out var context) ? context.TraceId.ToString() : null;

    public static Activity? StartModelCall(string model, string runId, TraceContext? run)
    {
        var activity = StartUnderRun("chat " + model, ActivityKind.Client, run);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.request.model", model);
        activity?.SetTag("agentfunctions.run.id", runId);
        return activity;
    }

    public static void ModelCallEnded(Activity? activity, string model, string? responseModel, long inputTokens, long outputTokens, string? finishReason, TimeSpan duration, string? errorType)
    {
        if (activity is not null)
        {
            if (responseModel is not null) activity.SetTag("gen_ai.response.model", responseModel);
            activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
            activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
            if (finishReason is not null) activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
            if (errorType is not null)
            {
                activity.SetTag("error.type", errorType);
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", model);
        var operation = new KeyValuePair<string, object?>("gen_ai.operation.name", "chat");
        if (errorType is null)
        {
            ModelDuration.Record(duration.TotalSeconds, operation, modelTag);
            ModelTokens.Record(inputTokens, operation, modelTag, new("gen_ai.token.type", "input"));
            ModelTokens.Record(outputTokens, operation, modelTag, new("gen_ai.token.type", "output"));
        }
        else
        {
            ModelDuration.Record(duration.TotalSeconds, operation, modelTag, new("error.type", errorType));
        }
    }

    public static Activity? StartToolCall(string tool, string callId, string runId, TraceContext? run)
    {
        var activity = StartUnderRun("execute_tool " + tool, ActivityKind.Internal, run);
        activity?.SetTag("gen_ai.operation.name", "execute_tool");
        activity?.SetTag("gen_ai.tool.name", tool);
        activity?.SetTag("gen_ai.tool.call.id", callId);
        activity?.SetTag("agentfunctions.run.id", runId);
        return activity;
    }

    public static void ToolCallEnded(Activity? activity, string tool, string outcome, string? errorType)
    {
        activity?.SetTag("agentfunctions.tool.outcome", outcome);
        var toolTag = new KeyValuePair<string, object?>("gen_ai.tool.name", tool);
        ToolCalls.Add(1, toolTag, new("agentfunctions.tool.outcome", outcome));
        if (errorType is not null)
        {
            activity?.SetTag("error.type", errorType);
            activity?.SetStatus(ActivityStatusCode.Error);
            ToolFailures.Add(1, toolTag, new("error.type", errorType));
        }
    }

    public static Activity? StartRetrieval(string agentId, int topK, string runId, TraceContext? run)
    {
        var activity = StartUnderRun("retrieval " + agentId, ActivityKind.Internal, run);
        activity?.SetTag("gen_ai.operation.name", "retrieval");
        activity?.SetTag("gen_ai.request.top_k", topK);
        activity?.SetTag("agentfunctions.run.id", runId);
        return activity;
    }

    public static void RunEnded(string status) => RunsEnded.Add(1, new KeyValuePair<string, object?>("agentfunctions.run.status", status));

    public static void Failed(Activity? activity, Exception error)
    {
        if (activity is null) return;
        activity.SetTag("error.type", error.GetType().Name);
        activity.SetStatus(ActivityStatusCode.Error);
    }
}
