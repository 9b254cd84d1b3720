using AgentFunctions.Api.Hosting;
using AgentFunctions.Azure.Models;
using AgentFunctions.Functions.Engine;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Functions app: the isolated worker with ASP.NET Core integration (HTTP functions take HttpRequest and return
// IResult, exactly like the local host's handlers), the shared platform services, then the Azure adapters.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPlatformCore();
builder.Services.AddAzureAdapters(builder.Configuration);
builder.Services.AddDurableEngine();
builder.Services.AddOpenAIChatModel(builder.Configuration);
builder.Build().Run();

/// <summary>
/// Declared internal on purpose: the ASP.NET Core framework reference would otherwise generate a public Program, and
/// the test project, which also references the local host's public Program, would see two.
/// </summary>
internal partial class Program;
