using AgentFunctions.Api.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Hosting;

/// <summary>GET /api/v1/health, the same handler the local host maps in <see cref="HealthEndpoints"/>.</summary>
public sealed class HealthFunctions
{
    [Function(nameof(GetHealth))]
    public Task<IResult> GetHealth([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/health")] HttpRequest req) =>
        HealthEndpoints.Health(req.HttpContext);
}
