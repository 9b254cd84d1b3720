using System.Net;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Observability;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace AgentFunctions.Tests.Observability;

public sealed class MetricsAndLogsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Metrics_LocalHost_ServesPrometheusText_WithRequestsPerRoute()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/health")).StatusCode);

        // The exporter caches a scrape briefly; the request above must be in a later one.
        string text = "";
        for (var attempt = 0; attempt < 100 && !text.Contains("http_route=\"/api/v1/health\"", StringComparison.Ordinal); attempt++)
        {
            var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (!text.Contains("http_route=\"/api/v1/health\"", StringComparison.Ordinal)) await Task.Delay(100);
        }

        Assert.True(text.Contains("http_server_request_duration_seconds", StringComparison.Ordinal), text[..Math.Min(text.Length, 3000)]);
        Assert.True(text.Contains("http_route=\"/api/v1/health\"", StringComparison.Ordinal), string.Join("\n", text.Split('\n').Where(l => l.Contains("http_route", StringComparison.Ordinal)).Take(5)));
        // The runtime's own instruments: heap size and thread-pool queue beside the requests.
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_thread_pool_queue_length", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestId_FromACorrelationHeader_IsEchoed_ElseTheTraceId()
    {
        var client = factory.CreateClient();

        using var correlated = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        correlated.Headers.Add("X-Correlation-Id", "abc-123");
        var echoed = await client.SendAsync(correlated);
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        traced.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var fromTrace = await client.SendAsync(traced);
        using var unsafeHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        unsafeHeader.Headers.TryAddWithoutValidation("X-Request-Id", "two words\"<script>");
        var fresh = await client.SendAsync(unsafeHeader);

        Assert.Equal("abc-123", echoed.Headers.GetValues(RequestCorrelation.ResponseHeader).Single());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", fromTrace.Headers.GetValues(RequestCorrelation.ResponseHeader).Single());
        Assert.Matches("^[0-9a-f]{32}$", fresh.Headers.GetValues(RequestCorrelation.ResponseHeader).Single());
    }

    [Fact]
    public async Task RequestId_OnAFrameworkAnswer_IsThereToo()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/no-such-route");
        request.Headers.Add("X-Request-Id", "lost-1");

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("lost-1", response.Headers.GetValues(RequestCorrelation.ResponseHeader).Single());
    }

    /// <summary>Spans are recorded only when something exports them: an OTLP endpoint, the host's own exporter, or a sampler asked for.</summary>
    [Theory]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    [InlineData(PlatformTelemetryServices.SamplerSetting, false, true)]
    public void Traces_AreSampled_OnlyWhenExported(string? setting, bool hostExports, bool recorded)
    {
        // A source of this test's own: listeners other tests add to the platform's source cannot record its span.
        using var source = new System.Diagnostics.ActivitySource("AgentFunctions.Tests.Sampling." + Guid.NewGuid().ToString("N"));
        var exported = new List<System.Diagnostics.Activity>();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(setting is null ? [] : [new KeyValuePair<string, string?>(setting, "always_on")])
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPlatformTelemetry(configuration, "sampling-test", tracesExported: hostExports)
            .WithTracing(tracing => tracing.AddSource(source.Name).AddInMemoryExporter(exported));
        using var provider = services.BuildServiceProvider();
        var tracer = provider.GetRequiredService<TracerProvider>();

        using (var span = source.StartActivity("probe"))
        {
            Assert.Equal(recorded, span?.Recorded ?? false);
        }
        tracer.ForceFlush();

        Assert.Equal(recorded ? 1 : 0, exported.Count);
    }

    /// <summary>A run's carried request id names its log lines, with no ambient trace (a resumed run) or a host's own span around it.</summary>
    [Fact]
    public void PlatformScope_CarriedRequestId_WinsOverTheAmbientTrace()
    {
        var scopes = new List<PlatformLogScope>();
        var logger = new ScopeRecorder(scopes);
        var previous = System.Diagnostics.Activity.Current;
        try
        {
            System.Diagnostics.Activity.Current = null;
            using (logger.BeginPlatformScope(runId: "run_1", requestId: "sender-1")) { }
            using (logger.BeginPlatformScope(runId: "run_1")) { }
            using var host = new System.Diagnostics.Activity("host span").Start();
            host.SetBaggage(PlatformTelemetry.RequestIdBaggage, "ambient-2");
            using (logger.BeginPlatformScope(runId: "run_1", requestId: "sender-1")) { }
            using (logger.BeginPlatformScope(runId: "run_1")) { }
        }
        finally
        {
            System.Diagnostics.Activity.Current = previous;
        }

        Assert.Equal(new string?[] { "sender-1", null, "sender-1", "ambient-2" }, scopes.Select(s => s.FirstOrDefault(p => p.Key == "request_id").Value as string));
    }

    private sealed class ScopeRecorder(List<PlatformLogScope> scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            scopes.Add((PlatformLogScope)(object)state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }

    [Theory]
    [InlineData(false, ConsoleFormatterNames.Json)]
    [InlineData(true, ConsoleFormatterNames.Simple)]
    public void PlatformConsole_JsonWhenNotATerminal_ReadableWhenItIs(bool terminal, string formatter)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddPlatformConsole(terminal));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(formatter, options.FormatterName);
        var scopes = terminal
            ? provider.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue.IncludeScopes
            : provider.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes;
        Assert.True(scopes);
    }
}
