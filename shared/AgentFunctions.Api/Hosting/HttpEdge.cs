using System.Diagnostics;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Hosting;

/// <summary>
/// What happens to a request before and after the API's handlers: the framework's own answers (no route 404, wrong
/// method 405, too long a URL 414, too large headers 431, too large a body 413, an exception outside a handler)
/// become application/problem+json like every handler error, and each request is logged once, without its query.
/// </summary>
public static class HttpEdge
{
    /// <summary>Longest request target (path and query) the API answers; longer is a 414 problem.</summary>
    public const int MaxRequestTargetLength = 8 * 1024;

    /// <summary>Largest total of request header names and values the API answers; larger is a 431 problem.</summary>
    public const int MaxRequestHeadersBytes = 32 * 1024;

    /// <summary>
    /// Kestrel's own ceilings, above the API's limits: requests between the two get a problem+json from
    /// <see cref="UseHttpEdge"/>; only a request over this ceiling is cut off by Kestrel itself (empty 414/431), because
    /// Kestrel answers those before any middleware runs. 1 MiB is Kestrel's default request buffer.
    /// </summary>
    public const int KestrelCeilingBytes = 1024 * 1024;

    public static void ConfigureKestrelLimits(KestrelServerOptions options)
    {
        options.Limits.MaxRequestBufferSize = KestrelCeilingBytes;
        options.Limits.MaxRequestLineSize = KestrelCeilingBytes;
        options.Limits.MaxRequestHeadersTotalSize = KestrelCeilingBytes;
    }

    /// <summary>
    /// Logging rules for the hosts: ASP.NET Core's own request lines (which print the query string) are switched off,
    /// the framework logs warnings and up, and <see cref="UseHttpEdge"/> logs each request at Information in
    /// Development and at Debug elsewhere.
    /// </summary>
    public static ILoggingBuilder AddHttpEdgeLogging(this ILoggingBuilder logging)
    {
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);
        return logging;
    }

    public static WebApplication UseHttpEdge(this WebApplication app)
    {
        var requestLevel = app.Environment.IsDevelopment() ? LogLevel.Information : LogLevel.Debug;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentFunctions.Api.Requests");

        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            // Every answer, the framework's own included, carries the request id, and so does the request's log line.
            using var correlation = RequestCorrelation.BeginScope(context);
            try
            {
                if (RequestTargetLength(context.Request) > MaxRequestTargetLength)
                {
                    await Write(context, Problems.Status(StatusCodes.Status414RequestUriTooLong, "URI too long",
                        $"The path and query may be at most {MaxRequestTargetLength} characters."));
                    return;
                }
                if (HeadersLength(context.Request) > MaxRequestHeadersBytes)
                {
                    await Write(context, Problems.Status(StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request header fields too large",
                        $"The request headers may be at most {MaxRequestHeadersBytes} bytes in all."));
                    return;
                }
                await next(context);
            }
            finally
            {
                if (logger.IsEnabled(requestLevel))
                {
                    // The path only: a query string can carry what a caller did not mean to have logged.
                    logger.Log(requestLevel, "HTTP {Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms",
                        context.Request.Method, context.Request.Path.Value, context.Response.StatusCode,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });

        // An exception no handler turned into a problem (ApiCall does that for its own): a problem+json 500, or the
        // status a BadHttpRequestException names (a body over Kestrel's limit is a 413).
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var problem = error is null ? null : Problems.FromException(error);
                if (problem is null)
                {
                    logger.LogError(error, "Request {Method} {Path} failed outside a handler (trace {TraceId})",
                        context.Request.Method, context.Request.Path.Value, context.TraceIdentifier);
                    problem = Problems.Status(StatusCodes.Status500InternalServerError, "Internal error",
                        "The request failed; it was logged with its trace id.",
                        new Dictionary<string, object?> { ["trace_id"] = context.TraceIdentifier });
                }
                await Write(context, problem);
            },
        });

        // Answers the framework gives without a body: no matching route (404), a route without this method (405), ...
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            var (title, detail) = status switch
            {
                StatusCodes.Status404NotFound => ("Not found", $"No API route matches {context.Request.Path.Value}."),
                StatusCodes.Status405MethodNotAllowed => ("Method not allowed", $"{context.Request.Method} is not allowed on {context.Request.Path.Value}; see the Allow header."),
                StatusCodes.Status413PayloadTooLarge => ("Payload too large", "The body is over this route's limit."),
                _ => (ReasonPhrase(status), (string?)null),
            };
            await Problems.Status(status, title, detail).ExecuteAsync(context);
        });
        return app;
    }

    private static async Task Write(HttpContext context, IResult problem)
    {
        context.Response.Clear();
        await problem.ExecuteAsync(context);
    }

    private static int RequestTargetLength(HttpRequest request) =>
        (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);

    private static long HeadersLength(HttpRequest request)
    {
        long total = 0;
        foreach (var header in request.Headers)
        {
            total += header.Key.Length;
            foreach (var value in header.Value)
            {
                total += value?.Length ?? 0;
            }
        }
        return total;
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
