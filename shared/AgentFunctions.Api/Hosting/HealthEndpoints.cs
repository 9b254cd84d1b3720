using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Api.Hosting;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("v1/health", (Delegate)Health).WithName("GetHealth").WithMetadata(AuthLevel.Anonymous).Anonymous();
        // Anonymous like liveness: probes and load balancers call without a key. It names only checks, statuses and
        // timings (no endpoint, message or tenant data), and ReadinessService reuses a report for two seconds.
        api.MapGet("v1/health/ready", (Delegate)Ready).WithName("GetReadiness").WithMetadata(AuthLevel.Anonymous).Anonymous();
        return api;
    }

    public static Task<IResult> Health(HttpContext http) =>
        ApiCall.RunAnonymousAsync(http, () => Task.FromResult(Results.Ok(new { status = "ok" })));

    /// <summary>Readiness: each dependency checked with its time; 200 when all answer, 503 (same body) when one does not.</summary>
    public static Task<IResult> Ready(HttpContext http) =>
        ApiCall.RunAnonymousAsync(http, async () =>
        {
            var report = await http.RequestServices.GetRequiredService<ReadinessService>().CheckAsync().WaitAsync(http.RequestAborted).ConfigureAwait(false);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(report, AgentFunctions.Common.PlatformJson.Options, statusCode: report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
}
