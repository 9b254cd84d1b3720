using System.Diagnostics;
using System.Net;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Storage;
using AgentFunctions.Observability;
using AgentFunctions.Tests.Engine;
using AgentFunctions.Tests.Engine.Behaviour;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tests.Triggers;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace AgentFunctions.Tests.Observability;

/// <summary>
/// One signed webhook, one trace: the request, the intake, the bus hop, the run, the model call and the tool call are
/// spans of one connected trace on the local host (in-memory exporter), and the logs on the way carry the caller's
/// request id and the ids of what they are about. On the real Durable Task engine, the app's activity functions put
/// their spans in the run's trace too.
/// </summary>
public sealed class WebhookTraceTests
{
    [Fact]
    public async Task SignedWebhook_LocalHost_IsOneConnectedTraceDownToTheToolCall()
    {
        var spans = new SpanCollector<Activity>();
        var logs = new SpanCollector<LogRecord>();
        await using var host = await TriggerTestHost.StartAsync(configure: services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans).SetSampler(new AlwaysOnSampler()));
            services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(logs));
        });
        var (agentId, trigger) = await ClockAgentWithWebhookAsync(host, "Traced handler");
        var triggerId = trigger["id"]!.GetValue<string>();

        // The sender is traced already, and names its own correlation id.
        var traceId = ActivityTraceId.CreateRandom();
        var senderSpan = ActivitySpanId.CreateRandom();
        using var request = TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), """{"order":"o-7"}""");
        request.Headers.Add("traceparent", $"00-{traceId}-{senderSpan}-01");
        request.Headers.Add("X-Correlation-Id", "sender-req-42");
        var response = await host.Factory.CreateClient().SendAsync(request);
        var accepted = await response.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal("sender-req-42", response.Headers.GetValues(AgentFunctions.Api.Hosting.RequestCorrelation.ResponseHeader).Single());
        var eventId = accepted["event_id"]!.GetValue<string>();
        await host.DrainAsync();
        var run = await WaitForRunAsync(host, eventId);

        var trace = spans.Trace(traceId);
        var names = trace.Select(s => s.DisplayName).ToList();
        var apiRequest = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
        Assert.EndsWith("api/v1/hooks/{triggerId}", apiRequest.GetTagItem("http.route") as string);
        Assert.Equal(senderSpan, apiRequest.ParentSpanId);
        Assert.Contains("trigger.intake Webhook", names);
        Assert.Contains("publish trigger-events", names);
        Assert.Contains("process trigger-events", names);
        Assert.Contains($"invoke_agent {agentId}", names);
        Assert.Contains("chat offline", names);
        var tool = Assert.Single(trace, s => s.DisplayName == $"execute_tool {FakeToolCatalog.Clock}");
        Assert.Empty(trace.Orphans(senderSpan));

        // The tool call hangs, span by span, from the webhook request.
        var chain = trace.Ancestry(tool).Select(s => s.DisplayName).ToList();
        Assert.Contains($"invoke_agent {agentId}", chain);
        Assert.Contains("process trigger-events", chain);
        Assert.Contains("publish trigger-events", chain);
        Assert.Contains("trigger.intake Webhook", chain);
        Assert.Equal(senderSpan, trace.Ancestry(tool)[^1].ParentSpanId);

        Assert.Equal("execute_tool", tool.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(FakeToolCatalog.Clock, tool.GetTagItem("gen_ai.tool.name"));
        Assert.Equal(run.Id, tool.GetTagItem("agentfunctions.run.id"));
        // Two model calls: the one that asks for the tool, and the one that answers with its result.
        Assert.Equal(2, trace.Count(s => s.DisplayName == "chat offline"));
        var model = trace.First(s => s.DisplayName == "chat offline" && s.GetTagItem("gen_ai.usage.input_tokens") is long and > 0);
        Assert.Equal("offline", model.GetTagItem("gen_ai.request.model"));
        Assert.True(model.GetTagItem("gen_ai.usage.output_tokens") is long and > 0);

        // Logs after the bus hop keep the sender's request id, with the ids of the event and the run.
        var finished = await WaitForLogAsync(logs, r => r.TraceId == traceId && Scope(r, "run_id") == run.Id && (r.FormattedMessage ?? "").Contains("finished", StringComparison.Ordinal));
        Assert.Equal("sender-req-42", Scope(finished, "request_id"));
        Assert.Equal(host.Tenant.Tenant.Value, Scope(finished, "tenant_id"));
        var dispatched = Assert.Single(logs.Snapshot(), r => r.TraceId == traceId && Scope(r, "event_id") == eventId && (r.FormattedMessage ?? "").Contains("started run", StringComparison.Ordinal));
        Assert.Equal("sender-req-42", Scope(dispatched, "request_id"));
        Assert.Equal(triggerId, Scope(dispatched, "trigger_id"));
        Assert.Equal(agentId, Scope(dispatched, "agent_id"));
    }

    /// <summary>
    /// The hosts' default with no exporter: no span is recorded, yet the request id still travels from the webhook across
    /// the bus into the run's logs (the carried trace context is remote, so it propagates unsampled).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SignedWebhook_NothingExported_LogsAfterTheBusKeepTheRequestId(bool senderTraced)
    {
        var logs = new SpanCollector<LogRecord>();
        await using var host = await TriggerTestHost.StartAsync(configure: services =>
        {
            // What the hosts set when nothing exports spans, whatever this machine's OTEL_* settings say.
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.SetSampler(new AlwaysOffSampler()));
            services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(logs));
        });
        var (_, trigger) = await ClockAgentWithWebhookAsync(host, "Untraced handler");
        var triggerId = trigger["id"]!.GetValue<string>();

        using var request = TriggerTestHost.Signed(triggerId, trigger["signing_secret"]!.GetValue<string>(), """{"order":"o-8"}""");
        if (senderTraced) request.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
        request.Headers.Add("X-Correlation-Id", "sender-req-43");
        var accepted = await (await host.Factory.CreateClient().SendAsync(request)).ExpectAsync(HttpStatusCode.Accepted);
        var eventId = accepted["event_id"]!.GetValue<string>();
        await host.DrainAsync();
        var run = await WaitForRunAsync(host, eventId);

        var dispatched = await WaitForLogAsync(logs, r => Scope(r, "event_id") == eventId && (r.FormattedMessage ?? "").Contains("started run", StringComparison.Ordinal));
        Assert.Equal("sender-req-43", Scope(dispatched, "request_id"));
        var finished = await WaitForLogAsync(logs, r => Scope(r, "run_id") == run.Id && (r.FormattedMessage ?? "").Contains("finished", StringComparison.Ordinal));
        Assert.Equal("sender-req-43", Scope(finished, "request_id"));
        // The tool call's line, written under the run's carried context.
        var tool = await WaitForLogAsync(logs, r => (r.FormattedMessage ?? "").Contains($"succeeded for run {run.Id}", StringComparison.Ordinal));
        Assert.Equal("sender-req-43", Scope(tool, "request_id"));
    }

    [Fact]
    public async Task DurableActivities_RealEngine_CarryTheRunsTraceContext()
    {
        var spans = new SpanCollector<Activity>();
        using var root = new ActivitySource("AgentFunctions.Tests.Durable");
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(PlatformTelemetry.Name, root.Name, "Microsoft.DurableTask*")
            .AddInMemoryExporter(spans)
            .Build();
        await using var engine = await DurableEngineUnderTest.StartAsync(new EngineSetup());
        var agent = await engine.SeedAgentAsync($"/call {FakeToolCatalog.Clock}\n/answer done");

        ActivityTraceId traceId;
        ActivitySpanId rootSpan;
        Run run;
        using (var caller = root.StartActivity("caller"))
        {
            Assert.NotNull(caller);
            traceId = caller.TraceId;
            rootSpan = caller.SpanId;
            run = await engine.StartAsync(agent.Id, "what time is it?");
        }
        // Nothing ambient reaches the worker: only what the orchestration input carries.
        Assert.Null(Activity.Current);
        var finished = await engine.WaitFinishedAsync(run.Id);
        Assert.Equal(RunStatus.Completed, finished.Status);

        var trace = spans.Trace(traceId);
        Assert.Contains(trace, s => s.DisplayName == $"invoke_agent {agent.Id}");
        Assert.Contains(trace, s => s.DisplayName == "chat offline" && Equals(s.GetTagItem("agentfunctions.run.id"), run.Id));
        Assert.Contains(trace, s => s.DisplayName == $"execute_tool {FakeToolCatalog.Clock}" && Equals(s.GetTagItem("agentfunctions.run.id"), run.Id));
        Assert.Empty(trace.Orphans(rootSpan, default));
        // No span of this run started a trace of its own.
        Assert.DoesNotContain(spans.Snapshot(), s => s.TraceId != traceId && Equals(s.GetTagItem("agentfunctions.run.id"), run.Id));
    }

    private static string? Scope(LogRecord record, string key)
    {
        string? found = null;
        record.ForEachScope((scope, _) =>
        {
            foreach (var item in scope)
            {
                if (item.Key == key) found = item.Value?.ToString();
            }
        }, (object?)null);
        return found;
    }

    /// <summary>An agent that calls the clock tool once and answers, with a webhook trigger (its create answer).</summary>
    private static async Task<(string AgentId, System.Text.Json.Nodes.JsonNode Trigger)> ClockAgentWithWebhookAsync(TriggerTestHost host, string name)
    {
        var agent = await (await host.Client.PostJsonAsync("/api/v1/agents", new
        {
            name,
            scope = "team",
            model = "offline",
            system_prompt = $"/call {FakeToolCatalog.Clock}\n/answer handled",
            tools = new[] { FakeToolCatalog.Clock },
        })).ExpectAsync(HttpStatusCode.Created);
        var agentId = agent["id"]!.GetValue<string>();
        return (agentId, await host.CreateTriggerAsync(new { system = "webhook" }, agentId));
    }

    private static async Task<Run> WaitForRunAsync(TriggerTestHost host, string eventId)
    {
        var documents = host.Factory.Store.For(host.Tenant.Tenant);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var e = await documents.GetAsync<AgentFunctions.Triggers.TriggerEvent>(eventId);
            if (e?.Value.RunId is { } runId && await documents.GetAsync<Run>(runId) is { } run && run.Value.IsFinished) return run.Value;
            await Task.Delay(50);
        }
        throw new TimeoutException($"The run of event {eventId} did not finish in 30 s");
    }

    private static async Task<LogRecord> WaitForLogAsync(SpanCollector<LogRecord> logs, Func<LogRecord, bool> match)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (logs.Snapshot().FirstOrDefault(match) is { } record) return record;
            await Task.Delay(50);
        }
        throw new TimeoutException("No such log record in 10 s");
    }
}
