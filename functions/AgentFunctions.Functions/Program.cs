using AgentFunctions.Api.Hosting;
using AgentFunctions.Functions.Engine;
using AgentFunctions.Functions.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Functions app: the isolated worker with ASP.NET Core integration (HTTP functions take HttpRequest and return
// IResult, exactly like the local host's handlers), the shared platform services, then this host's own adapters:
// Azure ones and the Durable engine. No local adapter assembly is referenced.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPlatformCore();
builder.Services.AddAzureAdapters(builder.Configuration);
builder.Services.AddDurableEngine();
builder.Services.AddFunctionsTelemetry(builder.Configuration);
builder.Services.AddFunctionsReadiness();
builder.Build().Run();

/// <summary>
/// Declared internal on purpose: the ASP.NET Core framework reference would otherwise generate a public Program, and
/// the test project, which also references the local host's public Program, would see two.
/// </summary>
internal partial class Program;
