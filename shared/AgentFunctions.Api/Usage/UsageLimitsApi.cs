using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Usage;

/// <summary><c>GET /api/v1/usage/limits</c>: the caller's tenant's plan limits against what it uses now (view_billing; read-only).</summary>
public sealed class UsageLimitsApi(PlanConsumption consumption)
{
    public Task<IResult> Get(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewBilling, async caller =>
        ApiResults.Ok(await consumption.ForAsync(caller.Tenant, http.RequestAborted)));
}
