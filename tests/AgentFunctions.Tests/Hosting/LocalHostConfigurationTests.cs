using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Hosting;

/// <summary>How the local host reads its configuration.</summary>
public sealed class LocalHostConfigurationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public void AppSettings_AreNotWatched_SoDatabaseWritesUnderTheContentRootWakeNoFileWatcher()
    {
        var configuration = (IConfigurationRoot)factory.Services.GetRequiredService<IConfiguration>();

        var jsonFiles = configuration.Providers.OfType<JsonConfigurationProvider>().Select(p => p.Source).ToList();

        Assert.NotEmpty(jsonFiles);
        Assert.All(jsonFiles, source => Assert.False(source.ReloadOnChange, $"{source.Path} is watched for changes"));
    }
}
