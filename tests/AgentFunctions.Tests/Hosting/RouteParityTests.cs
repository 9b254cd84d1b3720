using AgentFunctions.Functions.Hosting;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Hosting;

/// <summary>
/// The Functions app's [Function] methods, read by reflection from the real app assembly, against the local host's
/// routes (FunctionsMetadataTests checks the generated functions.metadata the same way): a route added to one host and
/// not the other fails here, listing every difference at once.
/// </summary>
public sealed class RouteParityTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly System.Reflection.Assembly FunctionsApp = typeof(HealthFunctions).Assembly;

    [Fact]
    public void Routes_FunctionsAppAndLocalHost_MatchInBothDirections()
    {
        var functionRoutes = RouteParity.FunctionRoutes(FunctionsApp);
        var (localRoutes, localProblems) = RouteParity.LocalRoutes(factory.Services.GetRequiredService<EndpointDataSource>());

        // Guards against a vacuous pass: both sides must actually have been read.
        Assert.NotEmpty(functionRoutes);
        Assert.NotEmpty(localRoutes);

        var mismatches = localProblems.Concat(RouteParity.Compare(functionRoutes, localRoutes)).ToList();
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} route mismatch(es) between functions/AgentFunctions.Functions and the local host:\n  " + string.Join("\n  ", mismatches));
    }

    [Fact]
    public void FunctionNames_AcrossTheApp_AreUnique()
    {
        var duplicates = RouteParity.Functions(FunctionsApp)
            .GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: " + string.Join(", ", g.Select(f => $"{f.Method.DeclaringType!.Name}.{f.Method.Name}")))
            .ToList();

        Assert.True(duplicates.Count == 0, "Function names must be unique (the host keys functions by name, case-insensitively):\n  " + string.Join("\n  ", duplicates));
    }

    [Fact]
    public void HttpFunctions_EveryRouteParameter_IsAMethodParameter()
    {
        var missing = RouteParity.Functions(FunctionsApp)
            .Select(f => (f.Name, f.Method, Trigger: RouteParity.HttpTriggerOf(f.Method)))
            .Where(f => f.Trigger?.Route is not null)
            .SelectMany(f => RouteParity.RouteParameters(f.Trigger!.Route!)
                .Where(p => !f.Method.GetParameters().Any(mp => string.Equals(mp.Name, p, StringComparison.OrdinalIgnoreCase)))
                .Select(p => $"{f.Name}: route '{f.Trigger!.Route}' has {{{p}}} but {f.Method.DeclaringType!.Name}.{f.Method.Name} has no parameter '{p}'"))
            .ToList();

        Assert.True(missing.Count == 0, "Route parameters without a method parameter:\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void FunctionRoutes_AppAssembly_ReadsHealthFunctionAsDeclared()
    {
        var health = Assert.Single(RouteParity.FunctionRoutes(FunctionsApp), r => r.Name == "GetHealth");

        Assert.Equal(new HttpRoute("GetHealth", "GET", "v1/health", "anonymous"), health);
    }

    [Fact]
    public void Compare_FunctionMissing_ReportsTheLocalRoute()
    {
        var local = new[] { new HttpRoute("GetHealth", "GET", "v1/health", "anonymous"), new HttpRoute("GetAgent", "GET", "v1/agents/{agentId}", "anonymous") };
        var functions = new[] { new HttpRoute("GetHealth", "GET", "v1/health", "anonymous") };

        var mismatch = Assert.Single(RouteParity.Compare(functions, local));

        Assert.StartsWith("GetAgent: served by the local host (GET v1/agents/{agentId} (anonymous))", mismatch);
    }

    [Fact]
    public void Compare_LocalEndpointMissing_ReportsTheFunction()
    {
        var functions = new[] { new HttpRoute("DeleteAgent", "DELETE", "v1/agents/{agentId}", "anonymous") };

        var mismatch = Assert.Single(RouteParity.Compare(functions, []));

        Assert.Contains("the local host has no endpoint named DeleteAgent", mismatch);
    }

    [Theory]
    [InlineData("POST", "v1/agents/{agentId}", "anonymous")]
    [InlineData("GET", "v1/agents/{id}", "anonymous")]
    [InlineData("GET", "v1/agents/{agentId}", "function")]
    public void Compare_MethodTemplateOrAuthLevelDiffers_ReportsBothSides(string method, string template, string authLevel)
    {
        var local = new[] { new HttpRoute("GetAgent", "GET", "v1/agents/{agentId}", "anonymous") };
        var functions = new[] { new HttpRoute("GetAgent", method, template, authLevel) };

        var mismatch = Assert.Single(RouteParity.Compare(functions, local));

        Assert.Equal($"GetAgent: function declares {method} {template} ({authLevel}) but the local host serves GET v1/agents/{{agentId}} (anonymous)", mismatch);
    }

    [Fact]
    public void Compare_SameRoutesInAnyOrder_ReportsNothing()
    {
        var a = new HttpRoute("ListAgents", "GET", "v1/agents", "anonymous");
        var b = new HttpRoute("CreateAgent", "POST", "v1/agents", "anonymous");

        Assert.Empty(RouteParity.Compare([a, b], [b, a]));
    }

    [Theory]
    [InlineData("v1/health", new string[0])]
    [InlineData("v1/agents/{agentId}/versions/{version:int}", new[] { "agentId", "version" })]
    [InlineData("v1/files/{*path}", new[] { "path" })]
    [InlineData("v1/items/{id?}", new[] { "id" })]
    public void RouteParameters_Template_ListsParameterNames(string template, string[] expected)
    {
        Assert.Equal(expected, RouteParity.RouteParameters(template));
    }
}
