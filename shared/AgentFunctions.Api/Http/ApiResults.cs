using AgentFunctions.Common;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>Success answers in the platform's JSON shape, with the ETag header where the object has one.</summary>
public static class ApiResults
{
    public static IResult Ok<T>(T value, string? etag = null) => new JsonWithETag<T>(value, StatusCodes.Status200OK, etag, null);

    public static IResult Created<T>(T value, string location, string? etag = null) => new JsonWithETag<T>(value, StatusCodes.Status201Created, etag, location);

    public static IResult Accepted<T>(T value, string location) => new JsonWithETag<T>(value, StatusCodes.Status202Accepted, null, location);

    public static IResult NoContent() => Results.NoContent();

    /// <summary>The If-Match header as the store's ETag (quotes and weak prefix removed), or null.</summary>
    public static string? IfMatch(HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        return value.Trim('"');
    }

    private sealed class JsonWithETag<T>(T value, int status, string? etag, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (etag is not null) httpContext.Response.Headers.ETag = $"\"{etag}\"";
            if (location is not null) httpContext.Response.Headers.Location = location;
            return Results.Json(value, PlatformJson.Options, statusCode: status).ExecuteAsync(httpContext);
        }
    }
}
