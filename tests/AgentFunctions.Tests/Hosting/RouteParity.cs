using System.Reflection;
using System.Text.RegularExpressions;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Tests.Hosting;

/// <summary>One HTTP route as a host declares it: the function or endpoint name, one method, the template under /api, the auth level.</summary>
public sealed record HttpRoute(string Name, string Method, string Template, string AuthLevel)
{
    public override string ToString() => $"{Method} {Template} ({AuthLevel})";
}

/// <summary>
/// Reads the routes of both hosts (the Functions app through its twin assembly, the local host through its endpoint
/// data source) and lists every difference, so one failing test names every missing or diverging route.
/// </summary>
public static partial class RouteParity
{
    /// <summary>Any method: what a trigger without methods, or an endpoint without method metadata, accepts.</summary>
    public const string AnyMethod = "*";

    public static IReadOnlyList<(MethodInfo Method, string Name)> Functions(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<FunctionAttribute>()))
            .Where(f => f.Attribute is not null)
            .Select(f => (f.Method, f.Attribute!.Name))
            .ToList();

    public static HttpTriggerAttribute? HttpTriggerOf(MethodInfo method) =>
        method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);

    public static IReadOnlyList<HttpRoute> FunctionRoutes(Assembly assembly) =>
        Functions(assembly)
            .Select(f => (f.Name, Trigger: HttpTriggerOf(f.Method)))
            .Where(f => f.Trigger is not null)
            .SelectMany(f => MethodsOf(f.Trigger!.Methods).Select(method => new HttpRoute(
                f.Name,
                method,
                (f.Trigger!.Route ?? f.Name).TrimStart('/'),
                f.Trigger.AuthLevel.ToString().ToLowerInvariant())))
            .ToList();

    /// <summary>The local host's routes under /api, plus a problem for each endpoint there that lacks a name or an auth level.</summary>
    public static (IReadOnlyList<HttpRoute> Routes, IReadOnlyList<string> Problems) LocalRoutes(EndpointDataSource endpoints)
    {
        var routes = new List<HttpRoute>();
        var problems = new List<string>();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var raw = endpoint.RoutePattern.RawText ?? string.Empty;
            if (!raw.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }
            var template = raw["/api/".Length..];
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            var authLevel = endpoint.Metadata.GetMetadata<AuthLevel>()?.Level;
            var methods = MethodsOf(endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods);
            if (name is null)
            {
                problems.Add($"local endpoint {string.Join(",", methods)} {raw} has no name: add .WithName(\"...\") (the function name it must match)");
                continue;
            }
            if (authLevel is null)
            {
                problems.Add($"local endpoint {name} ({raw}) has no AuthLevel metadata: add .WithMetadata(AuthLevel.Anonymous) or AuthLevel.Function");
                continue;
            }
            routes.AddRange(methods.Select(method => new HttpRoute(name, method, template, authLevel)));
        }
        return (routes, problems);
    }

    /// <summary>Every difference between the two route sets, in both directions, one line each.</summary>
    public static IReadOnlyList<string> Compare(IEnumerable<HttpRoute> functionRoutes, IEnumerable<HttpRoute> localRoutes)
    {
        var functions = functionRoutes.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToHashSet(), StringComparer.Ordinal);
        var local = localRoutes.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToHashSet(), StringComparer.Ordinal);
        var mismatches = new List<string>();
        foreach (var name in functions.Keys.Union(local.Keys).Order(StringComparer.Ordinal))
        {
            var inFunctions = functions.GetValueOrDefault(name) ?? [];
            var inLocal = local.GetValueOrDefault(name) ?? [];
            if (inFunctions.Count == 0)
            {
                mismatches.Add($"{name}: served by the local host ({Describe(inLocal)}) but no [Function(\"{name}\")] HTTP function exists");
            }
            else if (inLocal.Count == 0)
            {
                mismatches.Add($"{name}: an HTTP function ({Describe(inFunctions)}) but the local host has no endpoint named {name}");
            }
            else if (!inFunctions.SetEquals(inLocal))
            {
                mismatches.Add($"{name}: function declares {Describe(inFunctions)} but the local host serves {Describe(inLocal)}");
            }
        }
        return mismatches;
    }

    /// <summary>Route parameter names in a template: <c>{id}</c>, <c>{id:int}</c>, <c>{id?}</c>, <c>{*path}</c>, <c>{id=default}</c>.</summary>
    public static IReadOnlyList<string> RouteParameters(string template) =>
        RouteParameterPattern().Matches(template).Select(m => m.Groups["name"].Value).ToList();

    private static IReadOnlyList<string> MethodsOf(IEnumerable<string>? methods)
    {
        var list = methods?.Select(m => m.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        return list is { Count: > 0 } ? list : [AnyMethod];
    }

    private static string Describe(IEnumerable<HttpRoute> routes) =>
        string.Join("; ", routes.Select(r => r.ToString()).Order(StringComparer.Ordinal));

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z_][A-Za-z0-9_]*)[^}]*\}")]
    private static partial Regex RouteParameterPattern();
}
