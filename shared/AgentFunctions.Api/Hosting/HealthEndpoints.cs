using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Api.Hosting;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("v1/health", (Delegate)Health).WithName("GetHealth").WithMetadata(AuthLevel.Anonymous).Anonymous();
        return api;
    }

    public static Task<IResult> Health(HttpContext http) =>
        ApiCall.RunAnonymousAsync(http, () => Task.FromResult(Results.Ok(new { status = "ok" })));
}
