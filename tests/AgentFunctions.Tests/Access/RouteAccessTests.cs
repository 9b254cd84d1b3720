using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Access;

/// <summary>The handler frame runs a handler only when what it enforces is what the route declares.</summary>
public sealed class RouteAccessTests
{
    private static async Task<(int Status, bool Ran)> CallAsync(RouteAccess? declared, Func<HttpContext, Func<Task<IResult>>, Task<IResult>> frame)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        var metadata = declared is null ? new EndpointMetadataCollection() : new EndpointMetadataCollection(declared);
        http.SetEndpoint(new Endpoint(_ => Task.CompletedTask, metadata, "test route"));
        var ran = false;
        var result = await frame(http, () =>
        {
            ran = true;
            return Task.FromResult(Results.Ok());
        });
        await result.ExecuteAsync(http);
        return (http.Response.StatusCode, ran);
    }

    [Fact]
    public async Task RunAsync_DeclarationDiffersFromTheHandlersPermission_Answers500WithoutRunningIt()
    {
        var (status, ran) = await CallAsync(new RouteAccess(RouteCaller.Tenant, Permission.ViewRuns),
            (http, body) => ApiCall.RunAsync(http, Permission.ViewAgents, _ => body()));

        Assert.Equal(StatusCodes.Status500InternalServerError, status);
        Assert.False(ran);
    }

    [Fact]
    public async Task RunAnonymousAsync_RouteDeclaredForThePlatform_Answers500WithoutRunningIt()
    {
        var (status, ran) = await CallAsync(new RouteAccess(RouteCaller.Platform), (http, body) => ApiCall.RunAnonymousAsync(http, body));

        Assert.Equal(StatusCodes.Status500InternalServerError, status);
        Assert.False(ran);
    }

    [Fact]
    public async Task RunAnonymousAsync_DeclaredAnonymous_RunsTheHandler()
    {
        var (status, ran) = await CallAsync(new RouteAccess(RouteCaller.Anonymous), (http, body) => ApiCall.RunAnonymousAsync(http, body));

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.True(ran);
    }

    [Fact]
    public async Task RunAsync_DeclarationMatches_GoesOnToAuthenticate()
    {
        // No key sent: a matching declaration lets the frame reach authentication, which answers 401.
        var (status, ran) = await CallAsync(new RouteAccess(RouteCaller.Tenant, Permission.ViewAgents),
            (http, body) => ApiCall.RunAsync(http, Permission.ViewAgents, _ => body()));

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.False(ran);
    }
}
