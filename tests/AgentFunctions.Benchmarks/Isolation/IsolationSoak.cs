using System.Globalization;
using System.Net.Http.Headers;
using AgentFunctions.Api.Hosting;
using AgentFunctions.LocalHost;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Isolation;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Benchmarks.Isolation;

/// <summary>
/// The isolation soak: the test suite's fuzz (<see cref="IsolationFuzz"/>) for many more operations, against the real
/// local host listening on a loopback port with a fresh data folder. Prints operations, time and leaks; exits 1 on a leak.
/// <c>dotnet run -c Release --project tests/AgentFunctions.Benchmarks -- isolation-soak [operations] [seed]</c>
/// </summary>
public static class IsolationSoak
{
    public const string Command = "isolation-soak";

    public static async Task<int> RunAsync(string[] args)
    {
        var operations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.TickCount;
        var data = Path.Combine(Path.GetTempPath(), "af-soak-" + Guid.NewGuid().ToString("N"));
        var platformKey = "afp.soak-" + Guid.NewGuid().ToString("N");
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.Configuration["urls"] = "http://127.0.0.1:0";
            builder.Configuration["AgentFunctions:DataDirectory"] = data;
            builder.Configuration["AgentFunctions:Quiet"] = "true";
            builder.Configuration["AgentFunctions:PlatformKey"] = platformKey;
            builder.Logging.ClearProviders();
            builder.AddLocalPlatform();
            await using var app = builder.Build();
            app.MapAgentPlatformApi();
            await app.BootstrapLocalPlatformAsync();
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 16 };
            HttpClient ClientFor(string key)
            {
                var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = address };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                return client;
            }

            var routes = RouteTable.Read(app.Services.GetRequiredService<EndpointDataSource>());
            Console.WriteLine($"isolation soak: {operations:N0} operations over {routes.Count} routes, seed {seed}, host {address}");
            var fuzz = new IsolationFuzz(ClientFor, platformKey, app.Services.GetRequiredService<IDocumentStore>(), routes, seed);
            var report = await fuzz.RunAsync(operations);
            await app.StopAsync();

            Console.WriteLine($"operations: {report.Operations:N0} ({report.ForeignOperations:N0} on foreign objects, {report.RefusedWritesReRead:N0} refused writes re-read)");
            Console.WriteLine($"routes exercised: {report.OperationsPerRoute.Count} of {routes.Count}; attacked with foreign objects: {report.ForeignPerRoute.Count}");
            Console.WriteLine($"time: {report.Elapsed.TotalSeconds:F1} s ({report.Operations / report.Elapsed.TotalSeconds:N0} ops/s)");
            Console.WriteLine($"leaks found: {report.Leaks.Count}");
            foreach (var leak in report.Leaks.Take(20)) Console.WriteLine("  " + leak);
            return report.Leaks.Count == 0 && report.OperationsPerRoute.Count == routes.Count ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }
}
