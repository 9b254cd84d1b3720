using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Functions.Hosting;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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
    public void HostJson_TelemetryMode_IsOpenTelemetry_SoHostAndWorkerSpansShareTraces()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Functions", "host.json")));

        Assert.Equal("OpenTelemetry", hostJson.RootElement.GetProperty("telemetryMode").GetString());
    }

    [Fact]
    public void HostJson_DurableTaskHubName_IsAValidHubName()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Functions", "host.json")));

        var hub = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString();

        // Azure Storage task hubs: 3 to 45 letters and digits, starting with a letter.
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", hub);
    }

    /// <summary>
    /// The cost table (docs/benchmarks-usage.md) counts one history read per run on the Azure Storage provider: that holds
    /// only with extended sessions, kept for longer than the engine's usual wait between two results.
    /// </summary>
    [Fact]
    public void HostJson_DurableExtendedSessions_AreOn_SoAnEpisodeDoesNotReadTheHistoryAgain()
    {
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Functions", "host.json")));

        var durable = hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask");

        Assert.True(durable.GetProperty("extendedSessionsEnabled").GetBoolean());
        Assert.InRange(durable.GetProperty("extendedSessionIdleTimeoutInSeconds").GetInt32(), 30, 300);
    }

    /// <summary>
    /// Settings the Functions app's code reads (measured: the app's whole composition is built on a configuration that
    /// records every key asked for, every service and options object is resolved, the hosted services start) are set
    /// by the Bicep and present in local.settings.sample.json; and neither sets an app setting nobody reads.
    /// </summary>
    [Fact]
    public async Task AppSettings_TheCodeReads_AreSetByTheBicepAndTheLocalSample_AndNothingElse()
    {
        var sample = SampleSettings();
        var read = await SettingsTheFunctionsAppReads(sample);
        var bicep = BicepAppSettings();

        var required = read.Where(k => !OptionalWithDefaults.Contains(k)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("AgentFunctions__Cosmos__Endpoint", required);
        var missingInBicep = required.Except(bicep).ToList();
        var missingInSample = required.Except(sample.Keys).ToList();
        var unreadInBicep = bicep.Except(read).Except(ReadByTheFunctionsHost.Keys).ToList();
        var unreadInSample = sample.Keys.Except(read).Except(ReadByTheFunctionsHost.Keys).ToList();
        var staleOptional = OptionalWithDefaults.Except(read).ToList();

        Assert.True(missingInBicep.Count + missingInSample.Count + unreadInBicep.Count + unreadInSample.Count + staleOptional.Count == 0,
            $"read but not set by infra: {string.Join(", ", missingInBicep)}\n"
            + $"read but not in local.settings.sample.json: {string.Join(", ", missingInSample)}\n"
            + $"set by infra, read by nobody: {string.Join(", ", unreadInBicep)}\n"
            + $"in local.settings.sample.json, read by nobody: {string.Join(", ", unreadInSample)}\n"
            + $"listed optional here but no longer read: {string.Join(", ", staleOptional)}");
    }

    [Fact]
    public void AppSettings_EveryOptionalAndHostSetting_IsExplainedInDocsDeploy()
    {
        var deploy = File.ReadAllText(Path.Combine(Root, "docs", "deploy.md"));

        var undocumented = OptionalWithDefaults.Concat(ReadByTheFunctionsHost.Keys)
            .Where(k => !deploy.Contains(k, StringComparison.Ordinal) && !deploy.Contains("__" + k.Split("__")[^1] + "`", StringComparison.Ordinal))
            .ToList();

        Assert.Empty(undocumented);
    }

    /// <summary>Read by the code, with a default when unset (docs/deploy.md says what each does); infra need not set them.</summary>
    private static readonly HashSet<string> OptionalWithDefaults = new(StringComparer.Ordinal)
    {
        "AgentFunctions__Network__AllowedPrivateHosts",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "AgentFunctions__Listeners",
        "AgentFunctions__Models__OpenAI__ApiKey",
        "AgentFunctions__Models__OpenAI__DeploymentMap",
        "AgentFunctions__Models__OpenAI__ApiKeyHeader",
        "AgentFunctions__Models__OpenAI__Timeout",
        "AgentFunctions__Models__OpenAI__AttemptTimeout",
        "AgentFunctions__Models__OpenAI__MaxRetries",
        "AgentFunctions__Models__OpenAI__RetryBaseDelay",
        "AgentFunctions__Models__OpenAI__MaxRetryDelay",
        "AgentFunctions__Models__OpenAI__FailureRatio",
        "AgentFunctions__Models__OpenAI__MinimumThroughput",
        "AgentFunctions__Models__OpenAI__SamplingDuration",
        "AgentFunctions__Models__OpenAI__BreakDuration",
        "AgentFunctions__OpenAI__EmbeddingDimensions",
    };

    /// <summary>Read by the Functions host or a binding, not by the app's code.</summary>
    private static readonly Dictionary<string, string> ReadByTheFunctionsHost = new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage"] = "host storage (Azurite locally)",
        ["AzureWebJobsStorage__credential"] = "host storage by identity",
        ["AzureWebJobsStorage__clientId"] = "host storage by identity",
        ["AzureWebJobsStorage__blobServiceUri"] = "host storage by identity",
        ["AzureWebJobsStorage__queueServiceUri"] = "host storage by identity (Durable task hub queues)",
        ["AzureWebJobsStorage__tableServiceUri"] = "host storage by identity (Durable task hub tables)",
        ["FUNCTIONS_WORKER_RUNTIME"] = "local func start only (Flex Consumption takes it from functionAppConfig)",
        ["ServiceBusConnection__credential"] = "the DispatchTriggerEvent Service Bus trigger binding",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "the host's own telemetry, Entra ID auth",
        ["DocumentsStorage"] = "the IngestDroppedDocument blob trigger's connection under func start (Azurite); in Azure its __ settings",
    };

    private static Dictionary<string, string?> SampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString(), StringComparer.Ordinal);
    }

    /// <summary>App settings the Bicep sets: main.bicep's appSettings for the function module and function.bicep's hostSettings.</summary>
    private static HashSet<string> BicepAppSettings()
    {
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var function = File.ReadAllText(Path.Combine(Root, "infra", "app", "function.bicep"));
        var blocks = new[]
        {
            Block(main, "appSettings: {"),
            Block(function, "var hostSettings = {"),
        };
        return blocks.SelectMany(b => SettingKeyPattern().Matches(b).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

        static string Block(string text, string opening)
        {
            var start = text.IndexOf(opening, StringComparison.Ordinal);
            Assert.True(start >= 0, $"'{opening}' not found");
            var depth = 0;
            for (var i = start + opening.Length - 1; i < text.Length; i++)
            {
                if (text[i] == '{') depth++;
                else if (text[i] == '}' && --depth == 0) return text[(start + opening.Length)..i];
            }
            throw new InvalidOperationException($"'{opening}' is not closed");
        }
    }

    private static async Task<HashSet<string>> SettingsTheFunctionsAppReads(Dictionary<string, string?> sample)
    {
        // The sample's placeholders (<account>, <vault>) become a name so its URLs parse.
        var recording = new RecordingConfigurationSource(sample.Select(p => new KeyValuePair<string, string?>(
            p.Key.Replace("__", ":", StringComparison.Ordinal), p.Value is null ? null : Regex.Replace(p.Value, "<[^>]*>", "example"))));
        var configuration = new ConfigurationBuilder().Add(recording).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPlatformCore();
        services.AddAzureAdapters(configuration);
        AgentFunctions.Functions.Engine.DurableEngineServices.AddDurableEngine(services);
        services.AddFunctionsTelemetry(configuration);
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        foreach (var descriptor in services.ToList())
        {
            var type = descriptor.ServiceType;
            if (type.ContainsGenericParameters) continue;
            try
            {
                var instance = descriptor.IsKeyedService
                    ? scope.ServiceProvider.GetKeyedServices(type, descriptor.ServiceKey).ToList()
                    : scope.ServiceProvider.GetServices(type).ToList();
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
                {
                    var options = scope.ServiceProvider.GetService(typeof(IOptions<>).MakeGenericType(type.GetGenericArguments()));
                    _ = options?.GetType().GetProperty("Value")?.GetValue(options);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Reflection.TargetInvocationException or ArgumentException)
            {
                // A service that needs a live binding (the Durable client) is not built here; its settings are read elsewhere.
            }
        }
        // Hosted services read their settings when they start; a cancelled start stops each before any I/O.
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        foreach (var hosted in scope.ServiceProvider.GetServices<IHostedService>())
        {
            try
            {
                await hosted.StartAsync(cancelled.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        var keys = recording.KeysRead.Keys
            .Where(k => OurPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .Select(k => k.Replace(":", "__", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        // A section read on the way to its keys is not a setting of its own, nor is a computed property the binder probes.
        keys.RemoveWhere(k => keys.Any(other => other.StartsWith(k + "__", StringComparison.Ordinal)));
        keys.ExceptWith(["AgentFunctions__Models__OpenAI__IsAzureHost", "AgentFunctions__Models__OpenAI__EffectiveApiKeyHeader"]);
        return keys;
    }

    /// <summary>
    /// Settings of this app. The framework's own are not (Logging:*, and the OpenTelemetry SDK's standard OTEL_* switches,
    /// which it reads itself: OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER...), except the OTLP endpoint the app's code reads.
    /// </summary>
    private static readonly string[] OurPrefixes = ["AgentFunctions:", "ServiceBusConnection:", "AZURE_", "APPLICATIONINSIGHTS_", "OTEL_EXPORTER_OTLP_ENDPOINT"];

    [Fact]
    public void AzureYaml_PostprovisionHook_RunsScriptsThatExist()
    {
        var azureYaml = File.ReadAllText(Path.Combine(Root, "azure.yaml"));

        Assert.Contains("postprovision:", azureYaml, StringComparison.Ordinal);
        var scripts = HookRunPattern().Matches(azureYaml).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, scripts.Count);
        Assert.All(scripts, s => Assert.True(File.Exists(Path.Combine(Root, s)), $"{s} does not exist"));
    }

    /// <summary>The hook as azd runs it (the environment's values exported): local.settings.json with every sample key.</summary>
    [Fact]
    public void PostprovisionHook_WithAzdOutputs_WritesLocalSettingsWithEverySampleKey()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("agentfunctions-hook-").FullName, "local.settings.json");
        var start = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(Root, "scripts", "azd", "write-local-settings.sh"));
        start.ArgumentList.Add(output);
        var outputs = new Dictionary<string, string>
        {
            ["AZURE_SERVICEBUS_NAMESPACE"] = "sb-abc.servicebus.windows.net",
            ["AZURE_COSMOS_ENDPOINT"] = "https://cosmos-abc.documents.azure.com:443/",
            ["AZURE_COSMOS_DATABASE"] = "agentfunctions",
            ["AZURE_COSMOS_CONTAINER"] = "documents",
            ["AZURE_COSMOS_USAGE_CONTAINER"] = "usage",
            ["AZURE_KEY_VAULT_ENDPOINT"] = "https://kv-abc.vault.azure.net/",
            ["AZURE_SEARCH_ENDPOINT"] = "https://srch-abc.search.windows.net",
            ["AZURE_SEARCH_INDEX"] = "chunks",
            ["AZURE_OPENAI_ENDPOINT"] = "https://oai-abc.openai.azure.com/",
            ["AZURE_OPENAI_EMBEDDING_DEPLOYMENT"] = "embeddings",
            ["AZURE_STORAGE_UPLOADS_CONTAINER"] = "uploads",
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/",
        };
        foreach (var (name, value) in outputs) start.Environment[name] = value;
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        }

        using var written = JsonDocument.Parse(File.ReadAllText(output));
        var values = written.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(SampleSettings().Keys.Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("https://cosmos-abc.documents.azure.com:443/", values["AgentFunctions__Cosmos__Endpoint"]);
        Assert.Equal("https://oai-abc.openai.azure.com/openai/v1/", values["AgentFunctions__Models__OpenAI__Endpoint"]);
        Assert.Equal("sb-abc.servicebus.windows.net", values["ServiceBusConnection__fullyQualifiedNamespace"]);
        Assert.Equal(outputs["APPLICATIONINSIGHTS_CONNECTION_STRING"], values["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
    }

    /// <summary>Every Bicep output the hook reads exists (azd exports the outputs under their own names).</summary>
    [Fact]
    public void PostprovisionHook_ReadsOnlyOutputsTheBicepDeclares()
    {
        var hook = File.ReadAllText(Path.Combine(Root, "scripts", "azd", "write-local-settings.sh"));
        var main = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));

        var used = Regex.Matches(hook, @"\b(AZURE_[A-Z_]+|APPLICATIONINSIGHTS_CONNECTION_STRING)\b").Select(m => m.Value)
            .Where(n => n != "AZURE_CLIENT_ID").Distinct().ToList();

        Assert.NotEmpty(used);
        Assert.All(used, n => Assert.Contains($"output {n} string", main, StringComparison.Ordinal));
    }

    /// <summary>Followed line by line, the README's deploy section names only files that exist (or that it says are generated).</summary>
    [Fact]
    public void ReadmeDeploySection_EveryFileItNames_Exists()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("## Deploy and operate", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no 'Deploy and operate' section");
        var end = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        // Written by the postprovision hook / the local host at run time, as the section says.
        string[] generated = ["functions/AgentFunctions.Functions/local.settings.json", ".data/", "./.data"];

        var named = Regex.Matches(section, "`([^`\\s]+)`").Select(m => m.Groups[1].Value)
            .Where(t => !t.StartsWith('/') && !t.Contains("://", StringComparison.Ordinal) && !t.Contains('<') && !t.Contains('=')
                && (t.Contains('/') || Regex.IsMatch(t, @"\.(bicep|json|yaml|md|sh|ps1|cs)$")))
            .Distinct().ToList();
        var missing = named.Where(t => !generated.Contains(t) && !Exists(t)).ToList();

        Assert.Contains("infra/main.bicep", named);
        Assert.Contains("scripts/azd/write-local-settings.sh", named);
        Assert.Empty(missing);

        static bool Exists(string path)
        {
            if (path.Contains('*'))
            {
                var folder = Path.Combine(Root, Path.GetDirectoryName(path)!);
                return Directory.Exists(folder) && Directory.GetFiles(folder, Path.GetFileName(path)).Length > 0;
            }
            return File.Exists(Path.Combine(Root, path)) || Directory.Exists(Path.Combine(Root, path));
        }
    }

    [Fact]
    public void AzureYaml_ApiService_PointsAtTheFunctionsAppProject()
    {
        var api = AzureYamlService("api");

        Assert.Contains("project: ./functions/AgentFunctions.Functions\n", api, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Root, "functions", "AgentFunctions.Functions", "AgentFunctions.Functions.csproj")));
        Assert.Contains("host: function", api, StringComparison.Ordinal);
    }

    /// <summary>Two services: the Functions app and the Agent Studio, a js project azd builds with npm run build and deploys from dist/ to the Static Web App.</summary>
    [Fact]
    public void AzureYaml_NamesBothServices_TheStudioIsAStaticWebAppBuiltIntoDist()
    {
        var azureYaml = File.ReadAllText(Path.Combine(Root, "azure.yaml"));
        var studio = AzureYamlService("studio");

        Assert.Equal(["./functions/AgentFunctions.Functions", "./functions/AgentFunctions.Studio"], ProjectPattern().Matches(azureYaml).Select(m => m.Groups[1].Value));
        Assert.Contains("language: js", studio, StringComparison.Ordinal);
        Assert.Contains("host: staticwebapp", studio, StringComparison.Ordinal);
        Assert.Matches(@"\n\s*dist: dist\s*\n", studio);
        // azd's js build runs the project's build script: the Studio has one.
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Studio", "package.json")));
        Assert.True(package.RootElement.GetProperty("scripts").TryGetProperty("build", out _), "functions/AgentFunctions.Studio/package.json has no build script");
        // Service hooks run in the project folder: their scripts resolve from there.
        var hooks = ServiceHookRunPattern().Matches(studio).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, hooks.Count);
        Assert.All(hooks, h => Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Root, "functions", "AgentFunctions.Studio", h))), $"{h} does not exist"));
        // The Bicep tags the Static Web App as this service.
        Assert.Contains("serviceName: 'studio'", File.ReadAllText(Path.Combine(Root, "infra", "main.bicep")), StringComparison.Ordinal);
    }

    /// <summary>The Studio's build hook as azd runs it: dist/config.json with the Functions app's origin as apiBaseUrl, from an output the Bicep declares.</summary>
    [Fact]
    public void StudioBuildHook_WithAzdOutputs_WritesConfigJsonWithTheApiOrigin()
    {
        var folder = Directory.CreateTempSubdirectory("agentfunctions-studio-hook-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dist"));
        var start = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(Root, "scripts", "azd", "write-studio-config.sh"));
        start.Environment["AZURE_FUNCTION_APP_URL"] = "https://func-api-abc.azurewebsites.net/";
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        }

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "dist", "config.json")));
        Assert.Equal("https://func-api-abc.azurewebsites.net", config.RootElement.GetProperty("apiBaseUrl").GetString());
        Assert.Contains("output AZURE_FUNCTION_APP_URL string", File.ReadAllText(Path.Combine(Root, "infra", "main.bicep")), StringComparison.Ordinal);
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>On Azure Static Web Apps: index.html and config.json are never served stale, and no page may frame the Studio.</summary>
    [Fact]
    public void StudioStaticWebAppConfig_DoesNotCacheIndexOrConfig_AndForbidsFraming()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "functions", "AgentFunctions.Studio", "static", "staticwebapp.config.json")));

        var routes = config.RootElement.GetProperty("routes").EnumerateArray()
            .ToDictionary(r => r.GetProperty("route").GetString()!, r => r.GetProperty("headers").GetProperty("Cache-Control").GetString());
        Assert.Equal("no-cache", routes["/index.html"]);
        Assert.Equal("no-store", routes["/config.json"]);
        Assert.Equal("DENY", config.RootElement.GetProperty("globalHeaders").GetProperty("X-Frame-Options").GetString());
    }

    [Fact]
    public void StudioBuildHook_WithoutTheOutput_FailsAndWritesNothing()
    {
        var folder = Directory.CreateTempSubdirectory("agentfunctions-studio-hook-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dist"));
        var start = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder };
        start.ArgumentList.Add(Path.Combine(Root, "scripts", "azd", "write-studio-config.sh"));
        start.Environment.Remove("AZURE_FUNCTION_APP_URL");
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.NotEqual(0, process.ExitCode);
            Assert.Contains("AZURE_FUNCTION_APP_URL", process.StandardError.ReadToEnd(), StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(folder, "dist", "config.json")));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>One service's block of azure.yaml (its lines, indented under <c>services:</c>).</summary>
    private static string AzureYamlService(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "azure.yaml"));
        var start = Array.FindIndex(lines, l => l == $"  {name}:");
        Assert.True(start >= 0, $"azure.yaml has no service '{name}'");
        var block = lines.Skip(start + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal) || l.TrimStart().StartsWith('#') || l.Length == 0);
        return string.Join("\n", block) + "\n";
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

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:", RegexOptions.Multiline)]
    private static partial Regex SettingKeyPattern();

    [GeneratedRegex(@"^\s*run:\s*\./(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex HookRunPattern();

    [GeneratedRegex(@"^\s*project:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ProjectPattern();

    [GeneratedRegex(@"^\s*run:\s*(\.\./\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ServiceHookRunPattern();
}
