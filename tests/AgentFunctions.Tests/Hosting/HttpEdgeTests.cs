using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Hosting;

/// <summary>The framework's own answers (no route, wrong method, long URL, large headers, large body) are problem+json too.</summary>
public sealed class HttpEdgeTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task UnknownRoute_IsProblemJson404()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/no-such-thing");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("/api/v1/no-such-thing", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownRouteOutsideApi_IsProblemJson404()
    {
        var response = await factory.CreateClient().GetAsync("/favicon.ico");
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethod_IsProblemJson405_WithAllow()
    {
        var response = await factory.CreateClient().DeleteAsync("/api/v1/health");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("DELETE", problem["detail"]!.GetValue<string>());
        Assert.Contains("GET", response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var allow) ? allow : []));
    }

    [Fact]
    public async Task BodyOverLimit_IsProblemJson413()
    {
        var tenant = await factory.SeedTenantAsync();
        var body = "{\"name\":\"" + new string('a', 300 * 1024) + "\"}";
        var response = await tenant.First.Client.PostAsync("/api/v1/agents", new StringContent(body, Encoding.UTF8, "application/json"));
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task MissingKeyOnUnknownRoute_StillAnswers404ProblemNotEmpty()
    {
        var response = await factory.CreateClient().PostAsync("/api/v1/agents/x/y/z", new StringContent("{}", Encoding.UTF8, "application/json"));
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}

/// <summary>Limits Kestrel checks before any handler runs, on a real Kestrel listener on loopback.</summary>
public sealed class HttpEdgeKestrelTests : IDisposable
{
    private readonly PlatformFactory factory = new();
    private readonly HttpClient client;

    public HttpEdgeKestrelTests()
    {
        factory.UseKestrel(0);
        factory.StartServer();
        client = factory.CreateClient();
        Assert.True(client.BaseAddress!.IsLoopback, $"the listener must be on loopback, not {client.BaseAddress}");
    }

    [Fact]
    public async Task LongUrl_IsProblemJson414()
    {
        var response = await client.GetAsync("/api/v1/health?pad=" + new string('x', HttpEdge.MaxRequestTargetLength + 100));
        var problem = await response.ExpectProblemAsync(HttpStatusCode.RequestUriTooLong);
        Assert.Contains(HttpEdge.MaxRequestTargetLength.ToString(), problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task UrlOverKestrelDefault_StillProblemJson414()
    {
        // 20 KB: over Kestrel's default 8 KB request line, which would answer an empty 414 before any middleware.
        var response = await client.GetAsync("/api/v1/health?pad=" + new string('x', 20 * 1024));
        await response.ExpectProblemAsync(HttpStatusCode.RequestUriTooLong);
    }

    [Fact]
    public async Task LargeHeaders_IsProblemJson431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        request.Headers.Add("x-padding", new string('h', 40 * 1024));
        var response = await client.SendAsync(request);
        await response.ExpectProblemAsync(HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task HeadersWithinLimit_AreServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        request.Headers.Add("x-padding", new string('h', 8 * 1024));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task WrongMethodOverTheWire_IsProblemJson405()
    {
        var response = await client.PutAsync("/api/v1/health", new StringContent("{}", Encoding.UTF8, "application/json"));
        await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task RawMalformedRequestLine_GetsAnAnswer_AndTheServerKeepsServing()
    {
        // Kestrel itself answers a request line it cannot parse (400, before any middleware); the server stays up.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, client.BaseAddress!.Port);
            var stream = socket.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GARBAGE\r\n\r\n"));
            var buffer = new byte[1024];
            var read = await stream.ReadAsync(buffer);
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read));
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/health")).StatusCode);
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }
}

/// <summary>Per-request lines: Information in Development only, and never the query string.</summary>
public sealed class RequestLoggingTests
{
    [Theory]
    [InlineData("Production", false)]
    [InlineData("Development", true)]
    public async Task RequestLines_LevelByEnvironment_NeverTheQuery(string environment, bool informationExpected)
    {
        using var owner = new PlatformFactory();
        var logs = new CapturingLoggerProvider();
        using var host = owner.WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(environment);
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        var client = host.CreateClient();
        var marker = "qs-" + Guid.NewGuid().ToString("N");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/health?token={marker}")).StatusCode);
        await client.GetAsync($"/api/v1/agents?token={marker}");

        var entries = logs.Entries.ToList();
        Assert.DoesNotContain(entries, e => e.Message.Contains(marker, StringComparison.Ordinal)
            || e.Values.Values.Any(v => v?.ToString()?.Contains(marker, StringComparison.Ordinal) == true));
        var requestLines = entries.Where(e => e.Category == "AgentFunctions.Api.Requests" && e.Message.Contains("/api/v1/health", StringComparison.Ordinal)).ToList();
        // In Production the line is written at Debug, below the default minimum level, so it is not written at all.
        Assert.Equal(informationExpected, requestLines.Count > 0);
        Assert.Equal(informationExpected, requestLines.Any(e => e.Level >= LogLevel.Information));
        // ASP.NET Core's own request lines (which carry the query) are off in every environment.
        Assert.DoesNotContain(entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal));
    }
}
