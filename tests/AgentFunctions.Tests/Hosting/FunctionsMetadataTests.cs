using System.Reflection;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Hosting;

/// <summary>
/// functions.metadata, written at build by the Functions SDK's source generator, is what the Functions host indexes:
/// it is the source of truth for what the deployed app serves. These tests read it from the app's build output.
/// </summary>
public sealed class FunctionsMetadataTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly IReadOnlyList<FunctionMetadata> Metadata = FunctionsAppBuild.ReadMetadata();

    [Fact]
    public void HttpFunctions_GeneratedMetadataAndLocalHostRoutes_MatchInBothDirections()
    {
        var functionRoutes = FunctionsAppBuild.HttpRoutes(Metadata);
        var (localRoutes, localProblems) = RouteParity.LocalRoutes(factory.Services.GetRequiredService<EndpointDataSource>());
        Assert.True(functionRoutes.Count > 30, $"only {functionRoutes.Count} HTTP routes read from functions.metadata");
        Assert.NotEmpty(localRoutes);

        var mismatches = localProblems.Concat(RouteParity.Compare(functionRoutes, localRoutes)).ToList();

        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} difference(s) between functions.metadata and the local host:\n  " + string.Join("\n  ", mismatches));
    }

    [Fact]
    public void EveryFunction_HasExactlyOneTrigger()
    {
        var wrong = Metadata.Where(f => f.Bindings.Count(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)) != 1)
            .Select(f => $"{f.Name}: {string.Join(", ", f.BindingTypes)}").ToList();

        Assert.True(wrong.Count == 0, "Functions without exactly one trigger:\n  " + string.Join("\n  ", wrong));
    }

    [Fact]
    public void Orchestration_AgentRun_IsAnOrchestrationTriggerOnly()
    {
        var run = Assert.Single(Metadata, f => f.Name == EngineNames.AgentRun);

        Assert.Equal(["orchestrationTrigger"], run.BindingTypes);
        Assert.Equal("AgentFunctions.Functions.Engine.AgentRunOrchestrator.RunAgent", run.EntryPoint);
    }

    [Fact]
    public void Activities_InMetadata_AreExactlyTheLoopsActivities()
    {
        // The local runner's registry is the loop's own list of activities; FailRun is the Durable side's way to close a
        // run whose orchestrator threw (the local runner does that in its failure handler).
        var registry = AgentRunActivities.Register(new OrchestrationRegistry(), () => throw new InvalidOperationException("not used"));
        var expected = registry.ActivityNames.Append(EngineNames.FailRun).Order(StringComparer.Ordinal).ToList();

        var activities = Metadata.Where(f => f.TriggerType == "activityTrigger").ToList();

        Assert.Equal(expected, activities.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.All(activities, a => Assert.Equal(["activityTrigger"], a.BindingTypes));
    }

    [Fact]
    public void EngineHttpFunctions_EachBindsItsOwnDurableClient()
    {
        // Every HTTP function whose class reaches the runs API needs the Durable client of its own invocation, and so
        // do readiness (its orchestration check reads the task hub) and the tenant deletion (it purges the tenant's
        // orchestration instances).
        var engineFunctions = Metadata.Where(f => f.EntryPoint.StartsWith("AgentFunctions.Functions.Engine.EngineFunctions.", StringComparison.Ordinal)
            || f.Name == "GetReadiness").ToList();
        var withClient = Metadata.Where(f => f.TriggerType == "httpTrigger" && f.BindingTypes.Contains("durableClient")).Select(f => f.Name).Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(engineFunctions);
        Assert.Equal(engineFunctions.Select(f => f.Name).Append("DeleteTenant").Order(StringComparer.Ordinal), withClient);
        Assert.All(engineFunctions, f => Assert.Equal(["httpTrigger", "durableClient", "http"], f.BindingTypes));
    }

    [Fact]
    public void NonHttpFunctions_AreOnlyTheKindsTheAppDeclares()
    {
        // Later issues add timer, blob and Service Bus functions; each new kind must be named here with its bindings.
        var kinds = Metadata.Select(f => f.TriggerType).Where(t => t != "httpTrigger").Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["activityTrigger", "blobTrigger", "orchestrationTrigger", "serviceBusTrigger", "timerTrigger"], kinds);
    }

    [Fact]
    public void TriggerClock_IsATimerEveryMinute()
    {
        var clock = Assert.Single(Metadata, f => f.TriggerType == "timerTrigger" && f.Name == "TriggerClock");

        Assert.Equal(["timerTrigger"], clock.BindingTypes);
        Assert.Equal("0 * * * * *", clock.Bindings[0].GetProperty("schedule").GetString());
    }

    [Fact]
    public void Timers_AreTheClockTheMonthlyInvoicesAndTheLifecycleJobs()
    {
        var timers = Metadata.Where(f => f.TriggerType == "timerTrigger").ToDictionary(f => f.Name, f => f.Bindings[0].GetProperty("schedule").GetString());

        Assert.Equal(new Dictionary<string, string?>
        {
            ["TriggerClock"] = "0 * * * * *",
            ["MonthlyInvoices"] = "0 0 2 1,2 * *",
            ["ResumeTenantDeletions"] = "0 */5 * * * *",
            ["ApplyRetention"] = "0 30 3 * * *",
        }, timers);
    }

    [Fact]
    public void LifecycleTimers_ResumeDeletionsAndApplyRetention_WithTheirOwnDurableClient()
    {
        var timers = Metadata.Where(f => f.TriggerType == "timerTrigger" && f.Name is "ApplyRetention" or "ResumeTenantDeletions").ToDictionary(f => f.Name);

        Assert.Equal(["ApplyRetention", "ResumeTenantDeletions"], timers.Keys.Order(StringComparer.Ordinal));
        Assert.All(timers.Values, t => Assert.Equal(["timerTrigger", "durableClient"], t.BindingTypes));
        Assert.Equal("0 */5 * * * *", timers["ResumeTenantDeletions"].Bindings[0].GetProperty("schedule").GetString());
        Assert.Equal("0 30 3 * * *", timers["ApplyRetention"].Bindings[0].GetProperty("schedule").GetString());
    }

    [Fact]
    public void DispatchTriggerEvent_ConsumesTheTopicAndSubscriptionTheBicepDeclares_WithItsOwnDurableClient()
    {
        var dispatch = Assert.Single(Metadata, f => f.TriggerType == "serviceBusTrigger" && f.Name == "DispatchTriggerEvent");
        var trigger = dispatch.Bindings[0];

        Assert.Equal("DispatchTriggerEvent", dispatch.Name);
        Assert.Equal(["serviceBusTrigger", "durableClient"], dispatch.BindingTypes);
        Assert.Equal(AgentFunctions.Triggers.TriggerEventReceived.Topic, trigger.GetProperty("topicName").GetString());
        Assert.Equal("engine", trigger.GetProperty("subscriptionName").GetString());
        Assert.Equal("One", trigger.GetProperty("cardinality").GetString());
        // The connection is the identity-based setting group the Bicep sets, and the sender reads the same one.
        var connection = trigger.GetProperty("connection").GetString()!;
        var bicep = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "main.bicep"));
        Assert.Contains($"{connection}__fullyQualifiedNamespace", bicep, StringComparison.Ordinal);
        Assert.Contains($"'{AgentFunctions.Triggers.TriggerEventReceived.Topic}'", bicep, StringComparison.Ordinal);
        var subscriptions = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "app", "servicebus.bicep"));
        Assert.Contains("name: 'engine'", subscriptions, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceBusFunctions_AreTheEventDispatchAndTheIngestionQueue()
    {
        Assert.Equal(["DispatchTriggerEvent", "IngestDocument"],
            Metadata.Where(f => f.TriggerType == "serviceBusTrigger").Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void IngestDocument_ConsumesTheIngestionQueueTheBicepDeclares()
    {
        var ingest = Assert.Single(Metadata, f => f.Name == "IngestDocument");
        var trigger = ingest.Bindings[0];

        Assert.Equal(["serviceBusTrigger"], ingest.BindingTypes);
        Assert.Equal(AgentFunctions.Azure.Knowledge.ServiceBusIngestionQueue.QueueName, trigger.GetProperty("queueName").GetString());
        Assert.Equal("One", trigger.GetProperty("cardinality").GetString());
        var bicep = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "main.bicep"));
        Assert.Contains($"{trigger.GetProperty("connection").GetString()}__fullyQualifiedNamespace", bicep, StringComparison.Ordinal);
        Assert.Contains($"'{AgentFunctions.Azure.Knowledge.ServiceBusIngestionQueue.QueueName}'", bicep, StringComparison.Ordinal);
    }

    /// <summary>
    /// The drop trigger: a blob trigger on the documents container with the Event Grid source (the only one Flex
    /// Consumption runs), its connection the identity-based setting group function.bicep sets, and the Event Grid
    /// subscription in infra/app/eventgrid.bicep pointed at this function's blob extension endpoint.
    /// </summary>
    [Fact]
    public void IngestDroppedDocument_IsAnEventGridBlobTriggerOnTheDocumentsContainer()
    {
        var drop = Assert.Single(Metadata, f => f.TriggerType == "blobTrigger");
        var trigger = drop.Bindings[0];

        Assert.Equal("IngestDroppedDocument", drop.Name);
        Assert.Equal(["blobTrigger"], drop.BindingTypes);
        Assert.Equal("documents/{name}", trigger.GetProperty("path").GetString());
        Assert.Equal("EventGrid", trigger.GetProperty("source").GetString());
        var connection = trigger.GetProperty("connection").GetString()!;
        Assert.Equal(AgentFunctions.Azure.Knowledge.AzureKnowledgeServices.DocumentsConnection, connection);
        var function = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "app", "function.bicep"));
        Assert.Contains($"{connection}__blobServiceUri", function, StringComparison.Ordinal);
        Assert.Contains($"{connection}__credential: 'managedidentity'", function, StringComparison.Ordinal);
        var eventGrid = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "app", "eventgrid.bicep"));
        Assert.Contains($"param functionName string = '{drop.Name}'", eventGrid, StringComparison.Ordinal);
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}", eventGrid, StringComparison.Ordinal);
        Assert.Contains("param containerName string = 'documents'", eventGrid, StringComparison.Ordinal);
        Assert.Contains("subjectBeginsWith: '/blobServices/default/containers/${containerName}/'", eventGrid, StringComparison.Ordinal);
        Assert.Contains("'Microsoft.Storage.BlobCreated'", eventGrid, StringComparison.Ordinal);
        var main = File.ReadAllText(Path.Combine(FunctionsAppBuild.RepositoryRoot, "infra", "main.bicep"));
        Assert.Contains("'app/eventgrid.bicep'", main, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_EntryPoints_AreFunctionMethodsOfTheApp()
    {
        var app = typeof(AgentFunctions.Functions.Hosting.HealthFunctions).Assembly;
        var declared = RouteParity.Functions(app).ToDictionary(f => $"{f.Method.DeclaringType!.FullName}.{f.Method.Name}", f => f.Name);

        Assert.Equal(declared.Count, Metadata.Count);
        Assert.All(Metadata, f => Assert.Equal(f.Name, declared[f.EntryPoint]));
    }
}
