using AgentFunctions.Api.Hosting;
using AgentFunctions.LocalHost;

var builder = WebApplication.CreateBuilder(args);
builder.AddLocalPlatform();

var app = builder.Build();
app.UseHttpEdge();
app.MapAgentPlatformApi();
app.MapLocalDocuments();
app.MapStudio();
await app.BootstrapLocalPlatformAsync();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
