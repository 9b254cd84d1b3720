using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentFunctions.Tests.Hosting;

/// <summary>
/// The deployment files agree with each other and with the route parity test: the Functions app serves under /api
/// (the parity test strips exactly that prefix), and every AgentFunctions setting that infra sets is in the local
/// settings sample and back.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void HostJson_HttpRoutePrefix_IsApiLikeTheLocalHost()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Functions", "host.json")));

        var prefix = hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString();

        Assert.Equal("api", prefix);
    }

    [Fact]
    public void HostJson_DurableTaskHubName_IsAValidHubName()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Functions", "host.json")));

        var hub = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString();

        // Azure Storage task hubs: 3 to 45 letters and digits, starting with a letter.
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", hub);
    }

    [Fact]
    public void AppSettings_InfraAndLocalSample_DeclareTheSameAgentFunctionsSettings()
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));

        var inInfra = SettingPattern().Matches(bicep).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var inSample = sample.RootElement.GetProperty("Values").EnumerateObject()
            .Select(p => p.Name).Where(n => n.StartsWith("AgentFunctions__", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(inInfra);
        Assert.True(inInfra.SetEquals(inSample),
            $"only in infra/main.bicep: {string.Join(", ", inInfra.Except(inSample))}; only in local.settings.sample.json: {string.Join(", ", inSample.Except(inInfra))}");
    }

    [Fact]
    public void AzureYaml_ApiService_PointsAtTheFunctionsAppProject()
    {
        var azureYaml = File.ReadAllText(Path.Combine(Root, "azure.yaml"));

        var project = Assert.Single(ProjectPattern().Matches(azureYaml)).Groups[1].Value;

        Assert.Equal("./functions/AgentFunctions.Functions", project);
        Assert.True(File.Exists(Path.Combine(Root, project, "AgentFunctions.Functions.csproj")));
        Assert.Contains("host: function", azureYaml, StringComparison.Ordinal);
    }

    [Fact]
    public void GitIgnore_LocalSettings_IsIgnoredAndTheSampleIsNot()
    {
        // local.settings.json holds real endpoints and keys: only the sample may be committed.
        var ignored = File.ReadAllLines(Path.Combine(Root, ".gitignore")).Select(l => l.Trim()).ToList();

        Assert.Contains("local.settings.json", ignored);
        Assert.DoesNotContain("local.settings.sample.json", ignored);
        Assert.True(File.Exists(Path.Combine(Root, "local.settings.sample.json")));
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentFunctions.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("AgentFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\s*(AgentFunctions__\w+)\s*:", RegexOptions.Multiline)]
    private static partial Regex SettingPattern();

    [GeneratedRegex(@"^\s*project:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ProjectPattern();
}
