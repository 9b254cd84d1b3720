using AgentFunctions.Api.Http;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Usage;

/// <summary><c>GET/PUT /api/v1/plans/{plan_id}</c>, platform key only: each PUT writes a new version.</summary>
public sealed class PlansApi(PlanService plans)
{
    public Task<IResult> Get(HttpContext http, string planId) => ApiCall.RunPlatformAsync(http, async _ =>
        ApiResults.Ok(await plans.GetAsync(planId, http.RequestAborted)));

    public Task<IResult> Put(HttpContext http, string planId) => ApiCall.RunPlatformAsync(http, async _ =>
    {
        var input = await JsonBody.ReadAsync<PlanInput>(http.Request, cancellationToken: http.RequestAborted);
        return ApiResults.Ok(await plans.PutAsync(planId, input, http.RequestAborted));
    });
}
