using AgentFunctions.Agents;
using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Sessions;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Observability;
using AgentFunctions.Storage;
using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The effects of the agent loop. Each method is one activity: both hosts call exactly these, the local runner through
/// <see cref="Register"/>, the Functions app through its activity functions.
/// </summary>
public sealed class AgentRunActivities(
    IDocumentStore store,
    IToolCatalog catalog,
    IToolExecutor tools,
    IChatModelRouter models,
    IKnowledgeRetriever knowledge,
    TimeProvider time,
    EngineOptions options,
    ILogger<AgentRunActivities> logger,
    IRunTranscript transcript,
    Usage.RunUsageMeter? usage = null)
{
    /// <summary>How much of a tool's result goes back into orchestration history; the whole result is in the transcript.</summary>
    public const int ResultPreviewLength = 240;

    public static OrchestrationRegistry Register(OrchestrationRegistry registry, AgentRunActivities activities) =>
        Register(registry, () => activities);

    /// <summary>
    /// Registers the agent run and its activities. <paramref name="activities"/> is asked for on first use, so a host
    /// starts (and resumes runs) before every port behind the activities has to be constructible.
    /// </summary>
    public static OrchestrationRegistry Register(OrchestrationRegistry registry, Func<AgentRunActivities> activities)
    {
        // PublicationOnly: a port that cannot be built yet fails this use only, not every later one.
        var instance = new Lazy<AgentRunActivities>(activities, LazyThreadSafetyMode.PublicationOnly);
        return registry
            .AddOrchestration<AgentRunInput, RunOutcome>(EngineNames.AgentRun, AgentRunOrchestration.RunAsync, (input, reason, ct) => instance.Value.FailRunAsync(input, reason, ct))
            .AddActivity<AgentRunInput, RunPreparation>(EngineNames.PrepareRun, (input, ct) => instance.Value.PrepareRunAsync(input, ct))
            .AddActivity<ModelCallInput, ChatCompletion>(EngineNames.CallModel, (input, ct) => instance.Value.CallModelAsync(input, ct))
            .AddActivity<ToolCallInput, ToolResult>(EngineNames.ExecuteTool, (input, ct) => instance.Value.ExecuteToolAsync(input, ct), ActivityEffect.SideEffect)
            .AddActivity<ToolCallInput, ToolResult>(EngineNames.ExecuteReadOnlyTool, (input, ct) => instance.Value.ExecuteToolAsync(input, ct))
            .AddActivity<RunCompletion, bool>(EngineNames.CompleteRun, (input, ct) => instance.Value.CompleteAsync(input, ct));
    }

    public async Task<RunPreparation> PrepareAsync(AgentRunInput input, CancellationToken cancellationToken)
    {
        var documents = store.For(input.Tenant);
        var agent = (await documents.GetAsync<Agent>(input.AgentId, cancellationToken).ConfigureAwait(false))?.Value;
        if (agent is null)
        {
            return RunPreparation.NotReady($"The agent '{input.AgentId}' no longer exists.");
        }
        await EnsureRunRecordAsync(documents, input, agent, cancellationToken).ConfigureAwait(false);
        usage?.RunPrepared(input);
        if (!agent.Enabled)
        {
            return RunPreparation.NotReady($"The agent '{input.AgentId}' is disabled.");
        }

        var spec = agent.Spec;
        var resolved = spec.Tools.Count == 0
            ? []
            : await catalog.ResolveAsync(input.Tenant, spec.Tools, cancellationToken).ConfigureAwait(false);
        var history = input.SessionId is null || spec.MemoryWindow <= 0
            ? []
            : await LoadHistoryAsync(documents, input.SessionId, spec.MemoryWindow, cancellationToken).ConfigureAwait(false);
        var snippets = spec.Knowledge.Enabled
            ? await RetrieveAsync(input, new KnowledgeQuery(input.Tenant, agent.Id, input.Message, spec.Knowledge.TopK, spec.Knowledge.MinScore, spec.Knowledge.KnowledgeBaseIds,
                new KnowledgeQueryUsage(input.RunId, input.RunId, input.UserId)), cancellationToken).ConfigureAwait(false)
            : [];

        return new RunPreparation(true, null, agent.OwnerId, agent.Version, spec.Model, PromptBuilder.Build(spec, snippets, history), resolved, spec.Limits,
            snippets.Select(s => new Citation(s.DocumentId, s.ChunkId, s.Title, s.Score, s.HeadingPath, s.Page)).ToList(), options.ApprovalTimeoutSeconds, spec.Scope, agent.TeamId);
    }

    /// <summary>
    /// The PrepareRun activity: <see cref="PrepareAsync"/>, with the prompt and the user's message stored as the
    /// transcript's start, then the loop's first model call (<see cref="RunPreparation.FirstCompletion"/>). The call is the
    /// one the loop would make next (index after the start, the whole token budget, nothing appended); a failure is
    /// returned as <see cref="RunPreparation.FirstCallFailure"/> (the message the loop would get from a failed CallModel
    /// activity), except when the host is stopping, so the activity is run again. A re-run finds the transcript and the
    /// usage of the first run stored and returns the stored answer, as CallModel does.
    /// </summary>
    public async Task<RunPreparation> PrepareRunAsync(AgentRunInput input, CancellationToken cancellationToken)
    {
        var preparation = await PrepareAsync(input, cancellationToken).ConfigureAwait(false);
        if (!preparation.Ready) return preparation;
        var start = preparation.Prompt.Append(ChatMessage.User(input.Message)).ToList();
        // What is stored is what the model is shown: a re-run gets the first run's start back.
        var stored = await transcript.WriteStartAsync(input.Tenant, input.RunId, start, cancellationToken).ConfigureAwait(false);
        preparation = preparation with { Prompt = [], TranscriptLength = stored.Count };
        if (preparation.Limits.MaxLoops <= 0) return preparation;

        var call = new ModelCallInput(input.Tenant, input.RunId, preparation.Model,
            preparation.Tools.Select(t => new ToolSchema(t.Name, t.Description, t.InputSchema)).ToList(),
            Math.Max(1, preparation.Limits.MaxTokens), stored.Count, []) { Trace = input.Trace };
        try
        {
            return preparation with { FirstCompletion = await CallModelAsync(call, stored, cancellationToken).ConfigureAwait(false) };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return preparation with { FirstCallFailure = ex.Message };
        }
    }

    /// <summary>
    /// Reads the transcript up to the call's index, asks the model, and stores its answer at that index when it asks for
    /// tools. A re-run finds the first answer stored and returns that one, so the run goes on from what the transcript holds.
    /// </summary>
    public Task<ChatCompletion> CallModelAsync(ModelCallInput input, CancellationToken cancellationToken) => CallModelAsync(input, null, cancellationToken);

    /// <param name="known">The transcript up to the call's index when the caller holds it (the first call, made by
    /// PrepareRun right after storing it): no read.</param>
    private async Task<ChatCompletion> CallModelAsync(ModelCallInput input, IReadOnlyList<ChatMessage>? known, CancellationToken cancellationToken)
    {
        if (input.Appended.Count > 0)
        {
            await transcript.WriteAsync(input.Tenant, input.RunId, input.Appended, cancellationToken).ConfigureAwait(false);
        }
        var messages = known ?? await transcript.ReadAsync(input.Tenant, input.RunId, input.Index, cancellationToken).ConfigureAwait(false);
        if (usage is not null) await usage.BeforeModelCallAsync(input, cancellationToken).ConfigureAwait(false);
        using var span = PlatformTelemetry.StartModelCall(input.Model, input.RunId, input.Trace);
        using var scope = logger.BeginPlatformScope(tenantId: input.Tenant.Value, runId: input.RunId, requestId: input.Trace?.RequestId);
        var started = time.GetTimestamp();
        ChatCompletion completion;
        try
        {
            completion = await models.For(input.Model).CompleteAsync(new ChatRequest(input.Model, messages, input.Tools, input.MaxOutputTokens), cancellationToken).ConfigureAwait(false);
            PlatformTelemetry.ModelCallEnded(span, input.Model, completion.Model, completion.Usage.InputTokens, completion.Usage.OutputTokens,
                completion.FinishReason, time.GetElapsedTime(started), errorType: null);
        }
        catch (Exception ex)
        {
            PlatformTelemetry.ModelCallEnded(span, input.Model, null, 0, 0, null, time.GetElapsedTime(started), ex.GetType().Name);
            throw;
        }
        if (usage is not null) await usage.ModelCalledAsync(input, completion, cancellationToken).ConfigureAwait(false);
        if (completion.ToolCalls.Count == 0)
        {
            // A final answer ends the run: no later call reads it from the transcript (the run record keeps it).
            return completion;
        }
        var stored = (await transcript.WriteAsync(input.Tenant, input.RunId,
            [new TranscriptEntry(input.Index, ChatMessage.Assistant(completion.Content, completion.ToolCalls))], cancellationToken).ConfigureAwait(false))[0];
        return ReferenceEquals(stored.ToolCalls, completion.ToolCalls) && stored.Content == completion.Content
            ? completion
            : completion with { Content = stored.Content, ToolCalls = stored.ToolCalls ?? [] };
    }

    /// <summary>Runs the call, stores what the model reads back at the call's transcript index, and returns the result with a preview of its content.</summary>
    public async Task<ToolResult> ExecuteToolAsync(ToolCallInput input, CancellationToken cancellationToken)
    {
        var invocation = input.Invocation;
        using var span = PlatformTelemetry.StartToolCall(invocation.ToolName, invocation.CallId, invocation.RunId, invocation.Trace);
        using var scope = logger.BeginPlatformScope(tenantId: invocation.Tenant.Value, agentId: invocation.AgentId, runId: invocation.RunId, requestId: invocation.Trace?.RequestId);
        ToolResult result;
        try
        {
            result = await tools.ExecuteAsync(invocation, cancellationToken).ConfigureAwait(false);
            PlatformTelemetry.ToolCallEnded(span, invocation.ToolName, result.Succeeded ? "succeeded" : "failed", result.Succeeded ? null : "tool_error");
        }
        catch (Exception ex)
        {
            PlatformTelemetry.ToolCallEnded(span, invocation.ToolName, "failed", ex.GetType().Name);
            throw;
        }
        var content = result.Succeeded ? result.Content : ToolError(result.Error ?? "The tool failed.");
        await transcript.WriteAsync(invocation.Tenant, invocation.RunId, [new TranscriptEntry(input.TranscriptIndex, ChatMessage.Tool(input.ModelCallId, content))], cancellationToken)
            .ConfigureAwait(false);
        return result.Content.Length <= ResultPreviewLength ? result : result with { Content = result.Content[..ResultPreviewLength] + "…" };
    }

    // The model reads this, not a browser: keep quotes and apostrophes readable.
    private static readonly System.Text.Json.JsonSerializerOptions ToolErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What the model reads back for a call that did not give a result.</summary>
    public static string ToolError(string error) => System.Text.Json.JsonSerializer.Serialize(new { error }, ToolErrorJson);

    private async Task<IReadOnlyList<KnowledgeSnippet>> RetrieveAsync(AgentRunInput input, KnowledgeQuery query, CancellationToken cancellationToken)
    {
        using var span = PlatformTelemetry.StartRetrieval(input.AgentId, query.TopK, input.RunId, input.Trace);
        try
        {
            var snippets = await knowledge.RetrieveAsync(query, cancellationToken).ConfigureAwait(false);
            span?.SetTag("agentfunctions.retrieval.results", snippets.Count);
            return snippets;
        }
        catch (Exception ex)
        {
            PlatformTelemetry.Failed(span, ex);
            throw;
        }
    }

    /// <summary>
    /// Closes the run in one atomic batch (run, tool executions, usage, session messages). Idempotent: a run already
    /// closed (finished, cancelled, or this activity re-run after a crash) is left as it is.
    /// </summary>
    public async Task<bool> CompleteAsync(RunCompletion completion, CancellationToken cancellationToken)
    {
        // Usage first: idempotent by key, so a re-run after a crash between the two neither loses nor doubles it.
        if (usage is not null) await usage.RunClosingAsync(completion, cancellationToken).ConfigureAwait(false);
        var documents = store.For(completion.Tenant);
        var current = await documents.GetAsync<Run>(completion.Run.RunId, cancellationToken).ConfigureAwait(false);
        if (current?.Value.IsFinished == true)
        {
            await DropTranscriptAsync(completion.Tenant, completion.Run.RunId, cancellationToken).ConfigureAwait(false);
            return false;
        }
        var now = time.GetUtcNow();
        var run = (current?.Value ?? NewRun(completion.Run, completion.AgentVersion, completion.Scope, completion.TeamId, completion.StartedAt)) with
        {
            Status = completion.Status,
            Answer = completion.Answer,
            Reason = completion.Reason,
            Steps = completion.Steps,
            ToolCalls = completion.ToolCalls,
            Citations = completion.Citations,
            Usage = completion.Usage,
            EndedAt = now,
        };
        // Upserts only, with ids fixed by the run: no read-modify-write to race on, and a re-run after a crash rewrites
        // the same records. The run record is upserted too: if the starter's create is still on its way to disk it is
        // ahead in the log, so this final state lands after it.
        var writes = new List<DocumentWrite> { TypedDocuments.Write(DocumentWriteMode.Upsert, documents, run) };
        foreach (var call in completion.ToolCalls)
        {
            writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, new ToolExecution(
                call.CallId, completion.Tenant, run.Id, run.AgentId, call.Tool, call.ArgumentsJson, call.Outcome,
                call.Result, call.Error, call.Attempts, call.DurationMs, now)));
        }
        writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, new RunUsageRecord(
            run.Id, completion.Tenant, run.Id, run.AgentId, run.UserId, completion.Model, completion.OwnUsage.InputTokens,
            completion.OwnUsage.OutputTokens, completion.OwnUsage.ModelCalls, completion.OwnUsage.ToolCalls, now)));
        if (completion.Run.SessionId is { } sessionId)
        {
            writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, new ConversationMessage(
                ConversationMessage.IdFor(sessionId, completion.StartedAt, run.Id, 0), completion.Tenant, sessionId, run.Id, ChatRole.User, completion.Run.Message, now)));
            if (completion.Answer is { } answer)
            {
                writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, new ConversationMessage(
                    ConversationMessage.IdFor(sessionId, completion.StartedAt, run.Id, 1), completion.Tenant, sessionId, run.Id, ChatRole.Assistant, answer, now)));
            }
            // The session's last activity moves with its messages (last writer wins: only the time changes).
            if (await documents.GetAsync<Sessions.Session>(sessionId, cancellationToken).ConfigureAwait(false) is { } session && session.Value.UpdatedAt < now)
            {
                writes.Add(TypedDocuments.Write(DocumentWriteMode.Upsert, documents, session.Value with { UpdatedAt = now }));
            }
        }

        await documents.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
        PlatformTelemetry.RunEnded(completion.Status.ToString());
        using var scope = logger.BeginPlatformScope(tenantId: completion.Tenant.Value, agentId: run.AgentId, sessionId: run.SessionId, runId: run.Id,
            requestId: completion.Run.Trace?.RequestId);
        logger.LogInformation("Run {RunId} of agent {AgentId} finished with {Status}", run.Id, run.AgentId, completion.Status);
        await DropTranscriptAsync(completion.Tenant, run.Id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Best effort, after the run is closed: a transcript that could not be dropped is logged, the run stands.</summary>
    private async Task DropTranscriptAsync(Common.TenantId tenant, string runId, CancellationToken cancellationToken)
    {
        try
        {
            await transcript.DeleteAsync(tenant, runId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "The transcript of run {RunId} could not be dropped", runId);
        }
    }

    /// <summary>Closes a run whose orchestration failed outside its own code (non-determinism, unreadable history).</summary>
    public async Task FailRunAsync(AgentRunInput input, string reason, CancellationToken cancellationToken)
    {
        var documents = store.For(input.Tenant);
        var current = await documents.GetAsync<Run>(input.RunId, cancellationToken).ConfigureAwait(false);
        if (current?.Value.IsFinished == true) return;
        var now = time.GetUtcNow();
        var run = (current?.Value ?? NewRun(input, 0, AgentScope.User, string.Empty, now)) with { Status = RunStatus.Failed, Reason = reason, EndedAt = now };
        await documents.UpsertAsync(run, cancellationToken).ConfigureAwait(false);
        PlatformTelemetry.RunEnded(RunStatus.Failed.ToString());
        using var scope = logger.BeginPlatformScope(tenantId: input.Tenant.Value, agentId: input.AgentId, runId: input.RunId, requestId: input.Trace?.RequestId);
        logger.LogWarning("Run {RunId} failed outside its loop: {Reason}", input.RunId, reason);
    }

    public static Run NewRun(AgentRunInput input, int agentVersion, AgentScope scope, string teamId, DateTimeOffset now) =>
        new(input.RunId, input.Tenant, input.AgentId, agentVersion, input.UserId, scope, teamId, input.SessionId, input.ParentRunId,
            RunStatus.Running, input.Message, null, null, [], [], [], RunUsage.Zero, now, null);

    /// <summary>The starter writes the run record after scheduling; if it crashed in between, the run creates its own.</summary>
    private async Task EnsureRunRecordAsync(ITenantDocuments documents, AgentRunInput input, Agent agent, CancellationToken cancellationToken)
    {
        if (await documents.ReadAsync(Run.Kind, input.RunId, cancellationToken).ConfigureAwait(false) is not null) return;
        try
        {
            await documents.CreateAsync(NewRun(input, agent.Version, agent.Spec.Scope, agent.TeamId, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // The starter got there first.
        }
    }

    private static async Task<IReadOnlyList<ChatMessage>> LoadHistoryAsync(ITenantDocuments documents, string sessionId, int window, CancellationToken cancellationToken)
    {
        var messages = await documents.ListAsync<ConversationMessage>(cancellationToken, new FieldEquals("session_id", sessionId)).ConfigureAwait(false);
        return messages.Select(m => m.Value)
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .TakeLast(window)
            .Select(m => new ChatMessage(m.Role, m.Content))
            .ToList();
    }
}
