using AgentFunctions.Api.Hosting;
using AgentFunctions.LocalHost;

// No reload of appsettings on change: the host's content root holds the default data folder (./.data), and the file
// watcher that reload needs would wake on every database write there (measured at 6-8% of the host's CPU under load).
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
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
