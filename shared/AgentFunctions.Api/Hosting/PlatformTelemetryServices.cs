using AgentFunctions.Observability;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// OpenTelemetry for both hosts: the platform's spans and metrics (<see cref="PlatformTelemetry"/>), ASP.NET Core's
/// request spans and per-route request metrics (<c>http.server.request.duration</c> by <c>http.route</c>), and the
/// logs. OTLP when <see cref="OtlpEndpointSetting"/> is set (any collector, Aspire dashboard, Jaeger...); each host
/// adds its own exporter on the returned builder (the local host Prometheus, the Functions app Azure Monitor).
/// </summary>
public static class PlatformTelemetryServices
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The SDK's standard sampler switch (<c>always_on</c>, <c>parentbased_traceidratio</c>...).</summary>
    public const string SamplerSetting = "OTEL_TRACES_SAMPLER";

    /// <summary>Meters the platform exports besides its own (ASP.NET Core's request duration by route, Kestrel's connections).</summary>
    // System.Runtime: the runtime's own instruments (GC collections and pauses, heap size, thread pool, exceptions), read at scrape time.
    public static readonly string[] FrameworkMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <param name="tracesExported">
    /// Whether the host sends spans somewhere besides OTLP (the Functions app to Application Insights). With no exporter
    /// at all, spans are not sampled: nothing would read them, and recording them cost about 4 us of CPU per webhook
    /// delivery (measured with scripts/load-webhooks-cpu.sh). The SDK's own OTEL_TRACES_SAMPLER still decides when set.
    /// </param>
    public static IOpenTelemetryBuilder AddPlatformTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, bool tracesExported = false)
    {
        var sampled = tracesExported || !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]) || !string.IsNullOrWhiteSpace(configuration[SamplerSetting]);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            // The API request span, named by its route ("POST api/v1/hooks/{triggerId}"), continuing the caller's traceparent.
            // Scrapes of /metrics are not traced.
            .WithTracing(tracing =>
            {
                tracing.AddSource(PlatformTelemetry.Name)
                    .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/metrics"));
                if (!sampled) tracing.SetSampler(new AlwaysOffSampler());
            })
            .WithMetrics(metrics => metrics.AddMeter(PlatformTelemetry.Name).AddMeter(FrameworkMeters))
            .WithLogging(logging => { }, options =>
            {
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            // Endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* settings.
            builder.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>
    /// The console log: one JSON object per line (with scopes: request_id, tenant_id, run_id...) when the output is not
    /// a terminal (a container, a pipe, a log shipper), the readable single-line form with scopes when it is.
    /// </summary>
    public static ILoggingBuilder AddPlatformConsole(this ILoggingBuilder logging, bool? terminal = null)
    {
        logging.ClearProviders();
        if (terminal ?? !Console.IsOutputRedirected)
        {
            logging.AddSimpleConsole(options =>
            {
                options.IncludeScopes = true;
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                options.UseUtcTimestamp = true;
            });
        }
        return logging;
    }
}
