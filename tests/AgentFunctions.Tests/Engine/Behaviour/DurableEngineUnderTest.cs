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

    private static readonly Dictionary<string, Type> OrchestratorInputs = new(StringComparer.Ordinal) { [EngineNames.AgentRun] = typeof(AgentRunInput) };

    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-durable-" + Guid.NewGuid().ToString("N"));
    private readonly EngineSetup setup;
    private DurableTaskTestHost host = null!;
    private IHost? replacementWorker;
    private TimeSpan toolDuration;

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

    public IOrchestrationClient Orchestrations { get; private set; } = null!;

    /// <summary>The client of the current worker (a restart brings a new one, as a new process would).</summary>
    public DurableTaskClient Client { get; private set; } = null!;

    public static async Task<DurableEngineUnderTest> StartAsync(EngineSetup setup)
    {
        var engine = new DurableEngineUnderTest(setup);
        engine.Store = new FileDocumentStore(Path.Combine(engine.directory, "documents"));
        engine.host = await DurableTaskTestHost.StartAsync(engine.Register, new DurableTaskTestHostOptions { LoggerFactory = Environment.GetEnvironmentVariable("AF_DURABLE_LOGS") is null ? NullLoggerFactory.Instance : LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Information)) });
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
        var state = await Orchestrations.WaitForCompletionAsync(runId, TimeSpan.FromSeconds(30));
        var run = (await Store.For(Tenant).GetAsync<Run>(runId))!.Value;
        if (state?.IsTerminal != true)
        {
            throw new TimeoutException($"Run {runId} still {state?.Status} after 30 s; progress: {state?.SerializedCustomStatus}");
        }
        if (state?.Status == OrchestrationRuntimeStatus.Failed && !run.IsFinished)
        {
            throw new InvalidOperationException($"Run {runId} orchestration failed but its record is {run.Status}: {state.FailureMessage}");
        }
        return run;
    }

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
        Runs = new RunService(Store, Orchestrations, TimeProvider.System, new EngineOptions { ApprovalTimeoutSeconds = setup.ApprovalTimeoutSeconds });
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
                registry.AddOrchestrator(function.Name, new FunctionOrchestrator(method, input));
            }
            else if (trigger.GetCustomAttribute<ActivityTriggerAttribute>() is not null)
            {
                registry.AddActivity(function.Name, new FunctionActivity(method, targets[method.DeclaringType!], trigger.ParameterType, this));
            }
        }
    }

    /// <summary>An <c>[OrchestrationTrigger]</c> function of the app: called with the engine's own context.</summary>
    private sealed class FunctionOrchestrator(MethodInfo method, Type inputType) : ITaskOrchestrator
    {
        public Type InputType => inputType;

        public Type OutputType => method.ReturnType.GetGenericArguments()[0];

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) => InvokeAsync(method, null, [context]);
    }

    /// <summary>An <c>[ActivityTrigger]</c> function of the app: its input deserialized to the trigger parameter's type.</summary>
    private sealed class FunctionActivity(MethodInfo method, object target, Type inputType, DurableEngineUnderTest engine) : ITaskActivity
    {
        public Type InputType => inputType;

        public Type OutputType => method.ReturnType.GetGenericArguments()[0];

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            var output = await InvokeAsync(method, target, [input, CancellationToken.None]);
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
