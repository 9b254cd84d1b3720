using System.Globalization;
using AgentFunctions.Api.Http;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Usage;

/// <summary>Plan limits as problem+json: a budget is a 402, a rate or count a 429; both name the limit, and a 429 carries Retry-After.</summary>
public static class UsageProblems
{
    public static IResult From(UsageLimitExceededException exception)
    {
        var status = exception.IsBudget ? StatusCodes.Status402PaymentRequired : StatusCodes.Status429TooManyRequests;
        var retryAfter = exception.RetryAfter is { } wait ? Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)) : (long?)null;
        var extensions = new Dictionary<string, object?> { ["limit"] = exception.Limit };
        if (retryAfter is not null) extensions["retry_after_seconds"] = retryAfter;
        var problem = Problems.Status(status, exception.IsBudget ? "Budget exceeded" : "Too many requests",
            exception.Message.Replace(UsageLimitExceededException.BudgetMarker, string.Empty, StringComparison.Ordinal).Trim(), extensions);
        return retryAfter is null ? problem : new WithRetryAfter(problem, retryAfter.Value);
    }

    private sealed class WithRetryAfter(IResult inner, long seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
