using System.Diagnostics;
using AgentFunctions.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// The request id of an API call, the same on both hosts: the caller's <c>X-Correlation-Id</c> or <c>X-Request-Id</c>
/// when it is a plain token, else the trace id (from the caller's <c>traceparent</c>, or new). It goes back in the
/// <c>X-Request-Id</c> response header, into every log line of the request as <c>request_id</c>, and on as W3C baggage
/// with the trace, across the bus and into the run.
/// </summary>
public static class RequestCorrelation
{
    public const string ResponseHeader = "X-Request-Id";
    public static readonly string[] RequestHeaders = ["X-Correlation-Id", "X-Request-Id"];
    public const int MaxLength = 128;

    public static string Apply(HttpContext http)
    {
        if (http.Items.TryGetValue(typeof(RequestCorrelation), out var known) && known is string existing) return existing;
        var requestId = FromHeaders(http.Request.Headers) ?? Activity.Current?.TraceId.ToString() ?? ActivityTraceId.CreateRandom().ToString();
        Activity.Current?.SetBaggage(PlatformTelemetry.RequestIdBaggage, requestId);
        Activity.Current?.SetTag(PlatformTelemetry.RequestIdBaggage, requestId);
        http.Items[typeof(RequestCorrelation)] = requestId;
        if (!http.Response.HasStarted) http.Response.Headers[ResponseHeader] = requestId;
        return requestId;
    }

    /// <summary>Applies the request id and opens the request's log scope for the rest of the call.</summary>
    public static IDisposable? BeginScope(HttpContext http)
    {
        // Opened once per request: by the local host's edge, else (the Functions app) by the handler's guard.
        if (http.Items.ContainsKey(typeof(RequestCorrelation))) return null;
        var requestId = Apply(http);
        var logger = http.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("AgentFunctions.Api.Requests");
        return logger?.BeginRequestScope(requestId);
    }

    private static string? FromHeaders(IHeaderDictionary headers)
    {
        foreach (var name in RequestHeaders)
        {
            var value = headers[name].ToString();
            if (value.Length is > 0 and <= MaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return value;
            }
        }
        return null;
    }
}
