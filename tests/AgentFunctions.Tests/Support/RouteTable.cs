using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Tests.Support;

/// <summary>One route of the API as the local host's route table declares it.</summary>
public sealed record ApiRoute(string Name, string Method, string Template, RouteAccess? Access)
{
    /// <summary>The route parameter names of the template, in order.</summary>
    public IReadOnlyList<string> Parameters { get; } =
        System.Text.RegularExpressions.Regex.Matches(Template, @"\{(?<name>[A-Za-z_][A-Za-z0-9_]*)[^}]*\}").Select(m => m.Groups["name"].Value).ToList();

    public override string ToString() => $"{Method} {Template} ({Name})";
}

/// <summary>Reads the API's routes (everything under /api) from the live host's endpoint data source.</summary>
public static class RouteTable
{
    public static IReadOnlyList<ApiRoute> Read(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => new ApiRoute(
                e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? e.RoutePattern.RawText!,
                method,
                e.RoutePattern.RawText!,
                e.Metadata.GetMetadata<RouteAccess>())))
            .OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();
}
