using AgentFunctions.Storage;
using System.Reflection;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using OrchestrationRuntimeStatus = AgentFunctions.Engine.Orchestration.OrchestrationRuntimeStatus;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Functions.Engine;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Knowledge;
using AgentFunctions.Local.Models;
using Grpc.Net.Client;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Engine.Behaviour;

/// <summary>
/// The real Durable Task engine in process (<see cref="DurableTaskTestHost"/>), running the Functions app's own
/// <c>[Function]</c> orchestrator and activity methods, found by their trigger attributes (no copies, no hand-written
/// mapping), against the same file store and tool doubles as the local runner. Real time: durable timers are real.
/// </summary>
internal sealed class DurableEngineUnderTest : IEngineUnderTest
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>How long a run may take before the test calls it hung: generous, since a loaded 2-core machine slows the test host a lot.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    private static readonly Dictionary<string, Type> OrchestratorInputs = new(StringComparer.Ordinal) { [EngineNames.AgentRun] = typeof(AgentRunInput) };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-durable-" + Guid.NewGuid().ToString("N"));
    private readonly EngineSetup setup;
    private DurableTaskTestHost host = null!;
    private IHost? replacementWorker;
    private TimeSpan toolDuration;

    /// <summary>Cancelled when the current worker "dies": its activities still running see the token and never report.</summary>
    private CancellationTokenSource workerAlive = new();

    private DurableEngineUnderTest(EngineSetup setup)
    {
        this.setup = setup;
        setup.Catalog?.Invoke(Catalog);
    }

    public TenantId Tenant { get; } = new("ten_engine");

    public Caller Caller { get; } = new(new TenantId("ten_engine"), "usr_owner", Role.Admin, "key_test", [EngineHarness.TeamId]);

    public FileDocumentStore Store { get; private set; } = null!;

    public RecordingToolExecutor Tools { get; } = new();

    public FakeToolCatalog Catalog { get; } = new();

    public RunService Runs { get; private set; } = null!;

    /// <summary>
    /// Bytes of payload the engine keeps in history: every activity's input and output (and each orchestrator's input and
    /// output) as the default data converter writes them (UTF-8 JSON). Event envelopes come on top.
    /// </summary>
    public long HistoryPayloadBytes => Interlocked.Read(ref historyPayloadBytes);

    private long historyPayloadBytes;

    /// <summary>
    /// Orchestrator function invocations. The engine runs the function once per episode, replaying history, so this is
    /// the number of orchestrator executions a Functions host would bill.
    /// </summary>
    public int OrchestratorEpisodes => Volatile.Read(ref orchestratorEpisodes);

    private int orchestratorEpisodes;

    /// <summary>Activity function executions by name.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> ActivityExecutions { get; } = new(StringComparer.Ordinal);

    public IOrchestrationClient Orchestrations { get; private set; } = null!;

    /// <summary>The client of the current worker (a restart brings a new one, as a new process would).</summary>
    public DurableTaskClient Client { get; private set; } = null!;

    public static async Task<DurableEngineUnderTest> StartAsync(EngineSetup setup)
    {
        var engine = new DurableEngineUnderTest(setup);
        engine.Store = new FileDocumentStore(Path.Combine(engine.directory, "documents"));
        var options = new DurableTaskTestHostOptions { LoggerFactory = Environment.GetEnvironmentVariable("AF_DURABLE_LOGS") is null ? NullLoggerFactory.Instance : LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Information)) };
        // The test host picks its own loopback port at random; with many hosts starting in parallel two can pick the same
        // one, and the second fails to bind. Another start picks another port.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                engine.host = await DurableTaskTestHost.StartAsync(engine.Register, options);
                break;
            }
            catch (IOException ex) when (attempt < 5 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
        engine.UseClient(engine.host.Client);
        return engine;
    }

    public Task ElapseAsync(TimeSpan duration) => Task.Delay(duration);

    public void ToolCallsTake(TimeSpan duration)
    {
        toolDuration = duration;
        Tools.OnExecute = _ => Thread.Sleep(toolDuration);
    }

    /// <summary>
    /// Stops the worker host without letting work finish (a cancelled stop, like a killed process) while the sidecar
    /// keeps the task hub's state, then connects a new worker with the same functions: it replays from history.
    /// </summary>
    public async Task CrashAndRestartAsync()
    {
        var (sidecarServer, sidecarServerType) = Sidecar();
        var deadStream = sidecarServerType.GetField("workerToClientStream", Private)!.GetValue(sidecarServer);
        var worker = replacementWorker ?? (IHost)typeof(DurableTaskTestHost).GetField("workerHost", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(host)!;
        var channel = (GrpcChannel)typeof(DurableTaskTestHost).GetField("grpcChannel", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(host)!;
        using (var stop = new CancellationTokenSource())
        {
            await stop.CancelAsync();
            try
            {
                await worker.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // A killed process does not finish its work either.
            }
        }
        if (replacementWorker is not null) replacementWorker.Dispose();
        await workerAlive.CancelAsync();
        workerAlive = new CancellationTokenSource();

        replacementWorker = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureServices(services =>
            {
                services.AddDurableTaskWorker(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.AddTasks(Register);
                });
                services.AddDurableTaskClient(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.RegisterDirectly();
                });
            })
            .Build();
        await replacementWorker.StartAsync();
        UseClient(replacementWorker.Services.GetRequiredService<DurableTaskClient>());
        await RedeliverActivitiesInFlightAsync(deadStream);
    }

    /// <summary>
    /// A real task hub hands an activity whose worker died to another worker once its lease runs out; the test host's
    /// sidecar keeps waiting for the dead one. Do what the backend would: send each activity still in flight again (to
    /// the new worker) and pass its result to the waiting dispatcher.
    /// </summary>
    private async Task RedeliverActivitiesInFlightAsync(object? deadStream)
    {
        var (server, serverType) = Sidecar();
        // Only once the new worker has connected: sent earlier, a work item would go down the dead worker's stream.
        using (var connected = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (ReferenceEquals(serverType.GetField("workerToClientStream", Private)!.GetValue(server), deadStream))
            {
                await Task.Delay(PollInterval, connected.Token);
            }
        }
        var pending = (System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<global::DurableTask.Core.ActivityExecutionResult>>)
            serverType.GetField("pendingActivityTasks", Private)!.GetValue(server)!;
        var execute = serverType.GetInterfaces().Single(i => i.Name == "ITaskExecutor").GetMethod("ExecuteActivity")!;
        foreach (var (key, waiting) in pending.ToArray())
        {
            var taskId = int.Parse(new string(key.Reverse().TakeWhile(char.IsDigit).Reverse().ToArray()), System.Globalization.CultureInfo.InvariantCulture);
            var (instance, scheduled) = HistoryOf(key).OfType<global::DurableTask.Core.History.TaskScheduledEvent>().Where(e => e.EventId == taskId)
                .Select(e => (Instance: InstanceOf(key), Event: e)).FirstOrDefault();
            if (scheduled is null || instance is null || !pending.TryRemove(key, out _)) continue;
            var again = (Task<global::DurableTask.Core.ActivityExecutionResult>)execute.Invoke(server, [instance, scheduled])!;
            _ = again.ContinueWith(t => { if (t.IsCompletedSuccessfully) waiting.TrySetResult(t.Result); }, TaskScheduler.Default);
        }
    }

    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;

    private (object Server, Type ServerType) Sidecar()
    {
        var sidecar = (IHost)typeof(DurableTaskTestHost).GetField("sidecarHost", Private)!.GetValue(host)!;
        var serverType = typeof(DurableTaskTestHost).Assembly.GetType("Microsoft.DurableTask.Testing.Sidecar.Grpc.TaskHubGrpcServer")!;
        return (sidecar.Services.GetRequiredService(serverType), serverType);
    }

    private System.Collections.IDictionary Instances()
    {
        var sidecar = (IHost)typeof(DurableTaskTestHost).GetField("sidecarHost", Private)!.GetValue(host)!;
        var service = sidecar.Services.GetRequiredService<global::DurableTask.Core.IOrchestrationService>();
        var instanceStore = service.GetType().GetField("instanceStore", Private)!.GetValue(service)!;
        return (System.Collections.IDictionary)instanceStore.GetType().GetField("store", Private)!.GetValue(instanceStore)!;
    }

    /// <summary>The stored state of the instance whose id the key starts with (the sidecar keys in-flight tasks by instance and task id).</summary>
    private object? StateOf(string key)
    {
        var instances = Instances();
        foreach (System.Collections.DictionaryEntry entry in instances)
        {
            if (key.StartsWith((string)entry.Key, StringComparison.Ordinal)) return entry.Value;
        }
        return null;
    }

    private global::DurableTask.Core.OrchestrationInstance? InstanceOf(string key) =>
        StateOf(key) is { } state
            ? new global::DurableTask.Core.OrchestrationInstance
            {
                InstanceId = (string)state.GetType().GetProperty("InstanceId")!.GetValue(state)!,
                ExecutionId = (string)state.GetType().GetProperty("ExecutionId")!.GetValue(state)!,
            }
            : null;

    private IEnumerable<global::DurableTask.Core.History.HistoryEvent> HistoryOf(string key) =>
        Snapshot(StateOf(key)?.GetType().GetProperty("HistoryEventsJson")!.GetValue(StateOf(key)) as System.Text.Json.Nodes.JsonArray)
            .OfType<System.Text.Json.Nodes.JsonValue>().Select(v => v.TryGetValue<global::DurableTask.Core.History.HistoryEvent>(out var e) ? e : null)
            .OfType<global::DurableTask.Core.History.HistoryEvent>();

    /// <summary>A copy of the sidecar's live history list, taken again if the sidecar changed it meanwhile.</summary>
    private static List<System.Text.Json.Nodes.JsonNode?> Snapshot(System.Text.Json.Nodes.JsonArray? history)
    {
        while (true)
        {
            try
            {
                return history is null ? [] : [.. history];
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                // Appended to while copied (the enumerator notices, or the list grew past the copy's array): copy again.
            }
        }
    }

    public async Task<Agent> SeedAgentAsync(string? systemPrompt = null, IReadOnlyList<string>? tools = null, AgentLimits? limits = null, string? agentId = null)
    {
        var now = DateTimeOffset.UtcNow;
        var spec = new AgentSpec("Test agent", null, AgentScope.User, "offline", systemPrompt ?? "You are a test agent.", [],
            tools ?? [FakeToolCatalog.Clock, FakeToolCatalog.Echo, FakeToolCatalog.Guarded], KnowledgeSettings.Off, 10, limits ?? AgentLimits.Default);
        var agent = new Agent(agentId ?? Ids.New("agt", 12), Tenant, Caller.UserId, EngineHarness.TeamId, true, 1, 1, spec, now, now);
        await Store.For(Tenant).CreateAsync(agent);
        return agent;
    }

    public async Task<Run> WaitFinishedAsync(string runId)
    {
        var state = await Orchestrations.WaitForCompletionAsync(runId, HangGuard);
        var run = (await Store.For(Tenant).GetAsync<Run>(runId))!.Value;
        if (state?.IsTerminal != true)
        {
            throw new TimeoutException($"Run {runId} still {state?.Status} after {HangGuard.TotalSeconds:F0} s; progress: {state?.SerializedCustomStatus}");
        }
        if (state?.Status == OrchestrationRuntimeStatus.Failed && !run.IsFinished)
        {
            throw new InvalidOperationException($"Run {runId} orchestration failed but its record is {run.Status}: {state.FailureMessage}");
        }
        return run;
    }

    /// <summary>
    /// Reads the run's history in the test host's in-memory task hub (its client does not stream history) until it holds
    /// that many TaskCompleted events.
    /// </summary>
    public async Task WaitActivitiesRecordedAsync(string runId, int count)
    {
        const int TaskCompleted = 5; // DurableTask.Core.History.EventType.TaskCompleted
        var instances = Instances();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (instances[runId] is { } state
                && Snapshot(state.GetType().GetProperty("HistoryEventsJson")!.GetValue(state) as System.Text.Json.Nodes.JsonArray).Count(e => EventTypeOf(e) == TaskCompleted) >= count)
            {
                return;
            }
            await Task.Delay(PollInterval, cancel.Token);
        }
    }

    private static int? EventTypeOf(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonValue value when value.TryGetValue<global::DurableTask.Core.History.HistoryEvent>(out var e) => (int)e.EventType,
        System.Text.Json.Nodes.JsonObject item => (int?)item["EventType"],
        _ => null,
    };

    public async Task<RunProgress> WaitProgressAsync(string runId, Func<RunProgress, bool> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await Orchestrations.GetStateAsync(runId, cancel.Token);
        while (true)
        {
            if (state?.SerializedCustomStatus is { } json)
            {
                var progress = System.Text.Json.JsonSerializer.Deserialize<RunProgress>(json, PlatformJson.Stored)!;
                if (condition(progress)) return progress;
            }
            if (state?.IsTerminal == true) throw new InvalidOperationException($"Run {runId} ended ({state.Status}) before the expected progress.");
            state = await Orchestrations.WaitForChangeAsync(runId, state, TimeSpan.FromSeconds(60), cancel.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (replacementWorker is not null)
        {
            await replacementWorker.StopAsync();
            replacementWorker.Dispose();
        }
        try
        {
            await host.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // The crashed worker host was already taken down.
        }
        Store.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner.
        }
    }

    private void UseClient(DurableTaskClient client)
    {
        Client = client;
        Orchestrations = new DurableOrchestrationClient(client, TimeProvider.System, PollInterval);
        Runs = new RunService(Store, Orchestrations, TimeProvider.System, new EngineOptions { ApprovalTimeoutSeconds = setup.ApprovalTimeoutSeconds },
            transcript: new StoredRunTranscript(Store));
    }

    /// <summary>Registers every orchestrator and activity function of the Functions app under its function name.</summary>
    private void Register(DurableTaskRegistry registry)
    {
        var models = new ServiceCollection()
            .AddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey)
            .AddSingleton<IChatModelRouter, ChatModelRouter>()
            .BuildServiceProvider();
        var activities = new AgentRunActivities(Store, Catalog, Tools, models.GetRequiredService<IChatModelRouter>(), new EmptyKnowledgeRetriever(),
            TimeProvider.System, new EngineOptions { ApprovalTimeoutSeconds = setup.ApprovalTimeoutSeconds }, NullLogger<AgentRunActivities>.Instance, new StoredRunTranscript(Store));
        var targets = new Dictionary<Type, object> { [typeof(AgentRunActivityFunctions)] = new AgentRunActivityFunctions(activities) };

        foreach (var method in typeof(AgentRunOrchestrator).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function) continue;
            var trigger = method.GetParameters()[0];
            if (trigger.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null)
            {
                // The function reads its input with GetInput<T>(); the engine hands it over as that type.
                var input = OrchestratorInputs.TryGetValue(function.Name, out var type)
                    ? type : throw new InvalidOperationException($"Name the input type of orchestrator '{function.Name}' in OrchestratorInputs.");
                registry.AddOrchestrator(function.Name, new FunctionOrchestrator(method, input, this));
            }
            else if (trigger.GetCustomAttribute<ActivityTriggerAttribute>() is not null)
            {
                registry.AddActivity(function.Name, new FunctionActivity(method, targets[method.DeclaringType!], trigger.ParameterType, this, workerAlive.Token));
            }
        }
    }

    /// <summary>An <c>[OrchestrationTrigger]</c> function of the app: called with the engine's own context.</summary>
    private sealed class FunctionOrchestrator(MethodInfo method, Type inputType, DurableEngineUnderTest engine) : ITaskOrchestrator
    {
        public Type InputType => inputType;

        public Type OutputType => method.ReturnType.GetGenericArguments()[0];

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
        {
            Interlocked.Increment(ref engine.orchestratorEpisodes);
            return InvokeAsync(method, null, [context]);
        }
    }

    /// <summary>An <c>[ActivityTrigger]</c> function of the app: its input deserialized to the trigger parameter's type.</summary>
    private sealed class FunctionActivity(MethodInfo method, object target, Type inputType, DurableEngineUnderTest engine, CancellationToken alive) : ITaskActivity
    {
        public Type InputType => inputType;

        public Type OutputType => method.ReturnType.GetGenericArguments()[0];

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            engine.ActivityExecutions.AddOrUpdate(context.Name.Name, 1, (_, n) => n + 1);
            object? output;
            try
            {
                output = await InvokeAsync(method, target, [input, alive]);
            }
            catch (Exception) when (alive.IsCancellationRequested)
            {
                output = null;
            }
            if (alive.IsCancellationRequested)
            {
                // The worker died while this ran: a dead process reports nothing; the task hub gives the call to another worker.
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }
            Interlocked.Add(ref engine.historyPayloadBytes,
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(input).LongLength + System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(output).LongLength);
            return output;
        }
    }

    private static async Task<object?> InvokeAsync(MethodInfo method, object? target, object?[] arguments)
    {
        Task task;
        try
        {
            task = (Task)method.Invoke(target, arguments)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
        // No ConfigureAwait(false): an orchestrator's continuations must stay on the engine's synchronization context,
        // or the episode ends before the function returns and the completion never reaches the task hub.
        await task;
        return task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task);
    }
}
