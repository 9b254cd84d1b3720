using AgentFunctions.Api.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Hosting;

/// <summary>GET /api/v1/health and /api/v1/health/ready, the same handlers the local host maps in <see cref="HealthEndpoints"/>.</summary>
public sealed class HealthFunctions(Engine.DurableClientBinding durable)
{
    [Function(nameof(GetHealth))]
    public Task<IResult> GetHealth([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/health")] HttpRequest req) =>
        HealthEndpoints.Health(req.HttpContext);

    /// <summary>The Durable client comes with the invocation: the orchestration check reads the task hub through it.</summary>
    [Function(nameof(GetReadiness))]
    public Task<IResult> GetReadiness(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/health/ready")] HttpRequest req,
        [DurableClient] Microsoft.DurableTask.Client.DurableTaskClient client)
    {
        durable.Bind(client);
        return HealthEndpoints.Ready(req.HttpContext);
    }
}
