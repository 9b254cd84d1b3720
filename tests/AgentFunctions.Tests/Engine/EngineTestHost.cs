using AgentFunctions.Engine.Tools;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Engine;

/// <summary>The local host with the engine's tool ports replaced by the test catalog and a recording executor.</summary>
internal static class EngineTestHost
{
    public static PlatformFactory Create(RecordingToolExecutor tools) => new()
    {
        ConfigureTestServices = services =>
        {
            services.AddSingleton<IToolCatalog>(new FakeToolCatalog());
            services.AddSingleton<IToolExecutor>(tools);
        },
    };
}
