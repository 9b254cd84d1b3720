using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Hosting;

/// <summary>Compiles infra/main.bicep once with the real Bicep compiler (restored from NuGet) for every test below.</summary>
public sealed class CompiledInfrastructure : IDisposable
{
    private readonly string _outputFolder = Directory.CreateTempSubdirectory("agentfunctions-bicep-").FullName;

    public CompiledInfrastructure()
    {
        Root = DeploymentFiles.Root;
        MainBicep = Path.Combine(Root, "infra", "main.bicep");
        TemplatePath = Path.Combine(_outputFolder, "main.json");
        BuildOutcome = BicepCompiler.Build(MainBicep, TemplatePath);
        LintOutcome = BicepCompiler.Lint(MainBicep);
        Template = File.Exists(TemplatePath) ? File.ReadAllText(TemplatePath) : "";
    }

    public string Root { get; }
    public string MainBicep { get; }
    public string TemplatePath { get; }
    public BicepCompiler.Outcome BuildOutcome { get; }
    public BicepCompiler.Outcome LintOutcome { get; }

    /// <summary>The ARM template the compiler wrote (modules inlined as nested deployments).</summary>
    public string Template { get; }

    public void Dispose() => Directory.Delete(_outputFolder, recursive: true);
}

/// <summary>
/// infra/ as the real Bicep compiler sees it: it builds and lints with no error and no warning, and the compiled
/// template has the shape the platform needs (Flex Consumption, the data services, one identity with a role on each,
/// no keys anywhere).
/// </summary>
public sealed partial class InfrastructureTests(CompiledInfrastructure infra) : IClassFixture<CompiledInfrastructure>
{
    [Fact]
    public void BicepBuild_MainBicep_HasNoErrorsAndNoWarnings()
    {
        Assert.True(infra.BuildOutcome.ExitCode == 0, $"bicep build failed:\n{infra.BuildOutcome.StandardError}");
        Assert.Empty(infra.BuildOutcome.Diagnostics);
        using var template = JsonDocument.Parse(infra.Template);
        Assert.Equal("subscription", TargetScope(template.RootElement));
    }

    [Fact]
    public void BicepLint_MainBicep_HasNoErrorsAndNoWarnings()
    {
        Assert.True(infra.LintOutcome.ExitCode == 0, $"bicep lint failed:\n{infra.LintOutcome.StandardOutput}{infra.LintOutcome.StandardError}");
        var errorsAndWarnings = infra.LintOutcome.Diagnostics.Where(d => !d.Contains(" : Info ", StringComparison.Ordinal)).ToList();
        Assert.Empty(errorsAndWarnings);
    }

    [Theory]
    [InlineData("Microsoft.Web/serverfarms")]
    [InlineData("Microsoft.Web/sites")]
    [InlineData("Microsoft.ManagedIdentity/userAssignedIdentities")]
    [InlineData("Microsoft.Storage/storageAccounts")]
    [InlineData("Microsoft.Storage/storageAccounts/blobServices/containers")]
    [InlineData("Microsoft.ServiceBus/namespaces")]
    [InlineData("Microsoft.ServiceBus/namespaces/topics")]
    [InlineData("Microsoft.ServiceBus/namespaces/topics/subscriptions")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")]
    [InlineData("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")]
    [InlineData("Microsoft.Search/searchServices")]
    [InlineData("Microsoft.KeyVault/vaults")]
    [InlineData("Microsoft.CognitiveServices/accounts")]
    [InlineData("Microsoft.CognitiveServices/accounts/deployments")]
    [InlineData("Microsoft.OperationalInsights/workspaces")]
    [InlineData("Microsoft.Insights/components")]
    [InlineData("Microsoft.Authorization/roleAssignments")]
    [InlineData("Microsoft.Web/staticSites")]
    public void CompiledTemplate_DeclaresResourceType(string type)
    {
        using var template = JsonDocument.Parse(infra.Template);

        Assert.Contains(type, ResourceTypes(template.RootElement));
    }

    [Fact]
    public void CompiledTemplate_FunctionAppPlan_IsFlexConsumptionWithABlobDeploymentContainer()
    {
        var function = ReadModule("function.bicep");
        var main = File.ReadAllText(infra.MainBicep);

        Assert.Contains("name: 'FC1'", function, StringComparison.Ordinal);
        Assert.Contains("tier: 'FlexConsumption'", function, StringComparison.Ordinal);
        Assert.Contains("type: 'blobContainer'", function, StringComparison.Ordinal);
        Assert.Contains("type: 'UserAssignedIdentity'", function, StringComparison.Ordinal);
        // The deployment container is one of the containers the storage module creates.
        Assert.Matches(@"containerNames:\s*\[\s*deploymentContainerName", main);
    }

    /// <summary>
    /// The Agent Studio: a Standard Static Web App tagged as azd's `studio` service, and the Function App's CORS allows
    /// its origin and nothing else (no credentials: the key is a header). No linked backend: linking makes the site the
    /// app's only caller (webhook senders refused) and its proxy replaces the Authorization header (docs/deploy.md).
    /// </summary>
    [Fact]
    public void Studio_IsAStandardStaticWebApp_AndTheFunctionAppAllowsOnlyItsOrigin()
    {
        using var template = JsonDocument.Parse(infra.Template);
        var studio = ReadModule("studio.bicep");
        var function = ReadModule("function.bicep");
        var main = File.ReadAllText(infra.MainBicep);

        var site = Assert.Single(Resources(template.RootElement, "Microsoft.Web/staticSites"));
        Assert.Contains("param sku string = 'Standard'", studio, StringComparison.Ordinal);
        Assert.Contains("'azd-service-name': serviceName", studio, StringComparison.Ordinal);
        Assert.Equal("Custom", site.GetProperty("properties").GetProperty("provider").GetString());
        Assert.Matches(@"module studio 'app/studio\.bicep' = \{[^}]*serviceName: 'studio'", main);
        Assert.Matches(@"allowedCorsOrigins: \[\s*studio\.outputs\.uri\s*\]", main);
        Assert.Matches(@"cors: \{\s*allowedOrigins: allowedCorsOrigins\s*supportCredentials: false", function);
        Assert.Contains("param allowedCorsOrigins array = []", function, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.Web/staticSites/linkedBackends", ResourceTypes(template.RootElement));
        Assert.Contains("output AZURE_STATIC_WEB_APP_URL string = studio.outputs.uri", main, StringComparison.Ordinal);
    }

    [Fact]
    public void CosmosContainer_IsPartitionedByTenantId()
    {
        Assert.Contains("param partitionKeyPath string = '/tenantId'", ReadModule("cosmos.bicep"), StringComparison.Ordinal);
        Assert.Contains("/tenantId", infra.Template, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceBusSubscriptions_DeadLetterWhatTheyCannotDeliver()
    {
        var serviceBus = ReadModule("servicebus.bicep");

        Assert.Contains("maxDeliveryCount:", serviceBus, StringComparison.Ordinal);
        Assert.Contains("deadLetteringOnMessageExpiration: true", serviceBus, StringComparison.Ordinal);
        Assert.Contains("deadLetteringOnFilterEvaluationExceptions: true", serviceBus, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAi_HasAChatAndAnEmbeddingDeployment()
    {
        var main = File.ReadAllText(infra.MainBicep);
        var openAi = ReadModule("openai.bicep");

        Assert.Matches(@"param chatModel object = \{", main);
        Assert.Matches(@"param embeddingModel object = \{", main);
        Assert.Contains("name: chatModel.deployment", openAi, StringComparison.Ordinal);
        Assert.Contains("name: embeddingModel.deployment", openAi, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("storage.bicep", "allowSharedKeyAccess: false")]
    [InlineData("servicebus.bicep", "disableLocalAuth: true")]
    [InlineData("cosmos.bicep", "disableLocalAuth: true")]
    [InlineData("search.bicep", "disableLocalAuth: true")]
    [InlineData("openai.bicep", "disableLocalAuth: true")]
    [InlineData("monitoring.bicep", "DisableLocalAuth: true")]
    [InlineData("keyvault.bicep", "enableRbacAuthorization: true")]
    public void DataService_AcceptsEntraIdOnly(string module, string setting)
    {
        Assert.Contains(setting, ReadModule(module), StringComparison.Ordinal);
    }

    [Fact]
    public void Infrastructure_ReadsNoKeyAnywhere()
    {
        // listKeys / listConnectionStrings / account SAS would put a key into the deployment or an app setting.
        var forbidden = new[] { "listKeys(", "listConnectionStrings(", "listAccountSas(", "listServiceSas(", "AccountKey=", "SharedAccessKey=" };
        var sources = Directory.GetFiles(Path.Combine(infra.Root, "infra"), "*.bicep", SearchOption.AllDirectories)
            .Select(f => (File: Path.GetRelativePath(infra.Root, f), Text: File.ReadAllText(f)))
            .Append((File: "compiled main.json", Text: infra.Template));

        // One exception, and only it: Event Grid can deliver to a blob trigger only through the Functions host's webhook,
        // which takes the host's blobs_extension system key in its URL (no Entra ID option exists for that endpoint).
        const string blobExtensionKey = "listKeys('${functionApp.id}/host/default', '2024-04-01').systemKeys.blobs_extension";
        var found = sources
            .Select(s => (s.File, Text: s.Text.Replace(blobExtensionKey, string.Empty, StringComparison.Ordinal)
                .Replace("listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName'))), '2024-04-01').systemKeys.blobs_extension",
                    string.Empty, StringComparison.Ordinal)))
            .SelectMany(s => forbidden.Where(f => s.Text.Contains(f, StringComparison.OrdinalIgnoreCase)).Select(f => $"{s.File}: {f}")).ToList();

        Assert.Empty(found);
    }

    [Fact]
    public void Rbac_EveryRoleGuid_IsNamedInAComment()
    {
        var lines = ReadModule("rbac.bicep").Split('\n');

        var guidLines = lines.Where(l => GuidPattern().IsMatch(l)).ToList();
        Assert.NotEmpty(guidLines);
        Assert.All(guidLines, l => Assert.Matches(@"'\s*//\s*\S.+", l));
    }

    [Theory]
    [InlineData("storage")]
    [InlineData("serviceBus")]
    [InlineData("cosmos")]
    [InlineData("search")]
    [InlineData("vault")]
    [InlineData("openAi")]
    [InlineData("applicationInsights")]
    public void Rbac_TheAppIdentity_HasARoleOnEachService(string service)
    {
        var rbac = ReadModule("rbac.bicep");

        // Each assignment is made for every principal (the app's identity first), scoped to the service.
        Assert.Matches(new Regex(@"\[for p in principals: \{[^\]]*?(scope: " + service + @"\b|parent: " + service + @"\b)", RegexOptions.Singleline), rbac);
        Assert.Contains("id: appPrincipalId", rbac, StringComparison.Ordinal);
    }

    [Fact]
    public void Rbac_IsGivenTheUserAssignedIdentity_AndTheAppRunsAsIt()
    {
        var main = File.ReadAllText(infra.MainBicep);

        Assert.Contains("appPrincipalId: identity.outputs.principalId", main, StringComparison.Ordinal);
        Assert.Contains("identityId: identity.outputs.id", main, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(main, @"module \w+ 'app/identity\.bicep'"));
    }

    [Fact]
    public void Outputs_AreUpperSnakeCase_ForAzd()
    {
        using var template = JsonDocument.Parse(infra.Template);

        var outputs = template.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.Matches("^[A-Z][A-Z0-9_]*$", o));
    }

    private string ReadModule(string file) => File.ReadAllText(Path.Combine(infra.Root, "infra", "app", file));

    private static string? TargetScope(JsonElement template) =>
        template.GetProperty("$schema").GetString() is { } schema && schema.Contains("subscriptionDeploymentTemplate", StringComparison.Ordinal) ? "subscription" : null;

    private static List<JsonElement> Resources(JsonElement element, string type)
    {
        var found = new List<JsonElement>();
        Collect(element);
        return found;

        void Collect(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && string.Equals(t.GetString(), type, StringComparison.OrdinalIgnoreCase)
                    && e.TryGetProperty("properties", out _))
                {
                    found.Add(e);
                }
                foreach (var property in e.EnumerateObject()) Collect(property.Value);
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray()) Collect(item);
            }
        }
    }

    private static HashSet<string> ResourceTypes(JsonElement element)
    {
        var types = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Collect(element);
        return types;

        void Collect(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        if (property.Name == "type" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Contains('/'))
                        {
                            types.Add(property.Value.GetString()!);
                        }
                        Collect(property.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Collect(item);
                    break;
            }
        }
    }

    [GeneratedRegex(@"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'")]
    private static partial Regex GuidPattern();
}
