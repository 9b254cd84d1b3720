using System.Text.Json;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The agent loop, written once as a deterministic orchestration: prepare, then model -> validated tools -> model until
/// a final answer or a budget, then one atomic completion write. Every effect is an activity (or a child run, or an
/// approval event); time is the orchestration's replay-safe clock. Runs on Durable Functions and on the local runner.
/// </summary>
public static class AgentRunOrchestration
{
    /// <summary>How deep agent-as-tool may nest, so two agents naming each other cannot recurse forever.</summary>
    public const int MaxDepth = 3;

    private const int PreviewLength = 240;
    private const int ProgressSteps = 32;

    /// <summary>
    /// Durable fails an orchestration whose custom status passes 16 KB of UTF-16 (8,192 characters; the Durable extension's
    /// check, azure-functions-durable-extension PR #3113). Progress is stored as a JSON string, so what counts is each
    /// step's JSON as encoded inside that string; the steps get this much, the rest of the progress record stays far
    /// below the remainder.
    /// </summary>
    public const int ProgressStepCharacters = 5_500;

    /// <summary>The most characters a published progress record may take, stored as a JSON string.</summary>
    public const int MaxCustomStatusCharacters = 8_192;

    public static async Task<RunOutcome> RunAsync(IOrchestrationContext context, AgentRunInput input)
    {
        var run = new RunState(context.CurrentUtcDateTime);
        RunPreparation preparation;
        try
        {
            preparation = await context.CallActivityAsync<RunPreparation>(EngineNames.PrepareRun, input);
        }
        catch (ActivityFailedException ex)
        {
            return await FinishAsync(context, input, null, run, RunStatus.Failed, null, "The run could not be prepared: " + ex.Failure);
        }
        if (!preparation.Ready)
        {
            return await FinishAsync(context, input, preparation, run, RunStatus.Failed, null, preparation.Reason);
        }

        run.Model = preparation.Model;
        var limits = preparation.Limits;
        var tools = preparation.Tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var schemas = preparation.Tools.Select(t => new ToolSchema(t.Name, t.Description, t.InputSchema)).ToList();
        var messages = new List<ChatMessage>(preparation.Prompt) { ChatMessage.User(input.Message) };

        while (true)
        {
            if (run.Usage.ModelCalls - run.Nested.ModelCalls >= limits.MaxLoops)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.LoopLimitReached, null,
                    $"The agent reached its max_loops budget ({limits.MaxLoops} model calls) before a final answer.");
            }
            if (OverTime(context, run, limits.MaxExecutionSeconds))
            {
                return await TimeLimitAsync(context, input, preparation, run);
            }

            ChatCompletion completion;
            try
            {
                var remaining = Math.Max(1, limits.MaxTokens - run.Usage.TotalTokens);
                completion = await context.CallActivityAsync<ChatCompletion>(EngineNames.CallModel,
                    new ModelCallInput(input.Tenant, input.RunId, new ChatRequest(preparation.Model, messages.ToArray(), schemas, remaining)) { Trace = input.Trace });
            }
            catch (ActivityFailedException ex) when (ex.Failure.Contains(Usage.UsageLimitExceededException.BudgetMarker, StringComparison.Ordinal))
            {
                // Refused before the call: what ran so far is billed, nothing half-done.
                return await FinishAsync(context, input, preparation, run, RunStatus.BudgetExceeded, null,
                    ex.Failure.Replace(Usage.UsageLimitExceededException.BudgetMarker, string.Empty, StringComparison.Ordinal).Trim());
            }
            catch (ActivityFailedException ex)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.Failed, null, "The model call failed: " + ex.Failure);
            }

            run.Usage = run.Usage.Add(completion.Usage) with { ModelCalls = run.Usage.ModelCalls + 1 };
            run.AddStep(context, RunStepKind.ModelCall, detail: completion.ToolCalls.Count > 0
                ? "asked for " + string.Join(", ", completion.ToolCalls.Select(c => ToolSchema.FromWireName(c.Name)))
                : Preview(completion.Content), usage: completion.Usage);
            Publish(context, run);

            if (run.Usage.TotalTokens > limits.MaxTokens)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.TokenLimitReached, null,
                    $"The run used {run.Usage.TotalTokens} tokens, over its max_tokens budget of {limits.MaxTokens}.");
            }
            if (completion.ToolCalls.Count == 0)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.Completed, completion.Content ?? string.Empty, null);
            }
            if (run.ToolCallCount + completion.ToolCalls.Count > limits.MaxToolCallsPerTurn)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.ToolCallLimitReached, null,
                    $"The model asked for {run.ToolCallCount + completion.ToolCalls.Count} tool calls, over the max_tool_calls_per_turn budget of {limits.MaxToolCallsPerTurn}.");
            }

            messages.Add(ChatMessage.Assistant(completion.Content, completion.ToolCalls));
            foreach (var call in completion.ToolCalls)
            {
                if (OverTime(context, run, limits.MaxExecutionSeconds))
                {
                    return await TimeLimitAsync(context, input, preparation, run);
                }
                var content = await RunToolCallAsync(context, input, preparation, tools, call, run);
                messages.Add(ChatMessage.Tool(call.Id, content));
            }
        }
    }

    /// <summary>Validates, gates and executes one call; returns what the model reads back (a result or a tool error).</summary>
    private static async Task<string> RunToolCallAsync(
        IOrchestrationContext context, AgentRunInput input, RunPreparation preparation,
        IReadOnlyDictionary<string, ResolvedTool> tools, ToolCall call, RunState run)
    {
        var name = ToolSchema.FromWireName(call.Name);
        var number = ++run.ToolCallCount;
        run.Usage = run.Usage with { ToolCalls = run.Usage.ToolCalls + 1 };
        var callId = $"{input.RunId}.{number}";

        if (!tools.TryGetValue(name, out var tool))
        {
            return Refuse(context, run, callId, name, call, $"The tool '{name}' is not in this agent's allowlist; it was not executed.");
        }
        // What the run records and shows of the arguments: the tool's redact_fields masked (the tool itself gets them whole).
        var recorded = tool.RedactFields is { Count: > 0 } fields ? JsonRedactor.Redact(call.ArgumentsJson, fields) : call.ArgumentsJson;
        var problems = ToolArgumentsValidator.Validate(tool.InputSchema, call.ArgumentsJson);
        if (problems.Count > 0)
        {
            return Refuse(context, run, callId, name, call with { ArgumentsJson = recorded }, $"The arguments for '{name}' do not match its input schema ({string.Join("; ", problems)}); it was not executed.");
        }

        if (tool.RequiresApproval)
        {
            run.AddStep(context, RunStepKind.ApprovalRequested, name, callId, Preview(recorded));
            run.PendingApproval = (callId, name);
            Publish(context, run);
            var waitStarted = context.CurrentUtcDateTime;
            var decision = await context.WaitForExternalEventAsync<ApprovalDecision>(
                EngineNames.ApprovalEvent(callId), TimeSpan.FromSeconds(preparation.ApprovalTimeoutSeconds));
            run.PendingApproval = null;
            // Time spent waiting for a person is not the agent's execution time.
            run.WaitedForApproval += context.CurrentUtcDateTime - waitStarted;
            if (!decision.Received || decision.Payload is null)
            {
                var error = $"The call to '{name}' needed approval and none came within {preparation.ApprovalTimeoutSeconds} seconds; it was not executed.";
                run.AddStep(context, RunStepKind.ApprovalTimedOut, name, callId, error);
                run.ToolCalls.Add(new ToolCallRecord(callId, name, recorded, ToolCallOutcome.ApprovalTimedOut, null, error, 0, 0));
                Publish(context, run);
                return ToolError(error);
            }
            if (!decision.Payload.Approved)
            {
                var error = $"A person rejected the call to '{name}'" + (decision.Payload.Reason is { Length: > 0 } r ? $": {r}" : ".") + " It was not executed.";
                run.AddStep(context, RunStepKind.ApprovalRejected, name, callId, error);
                run.ToolCalls.Add(new ToolCallRecord(callId, name, recorded, ToolCallOutcome.Rejected, null, error, 0, 0));
                Publish(context, run);
                return ToolError(error);
            }
            run.AddStep(context, RunStepKind.ApprovalGranted, name, callId);
        }

        if (tool.Kind == ToolKind.Agent && tool.AgentId is { } childAgentId)
        {
            return await RunChildAgentAsync(context, input, name, call, recorded, callId, childAgentId, run);
        }

        ToolResult result;
        try
        {
            // Builtins only read; every other kind may change the world and is journaled as a side effect.
            result = await context.CallActivityAsync<ToolResult>(tool.Kind == ToolKind.Builtin ? EngineNames.ExecuteReadOnlyTool : EngineNames.ExecuteTool,
                new ToolInvocation(input.Tenant, input.RunId, input.AgentId, preparation.AgentOwnerId, name, call.ArgumentsJson, callId) { Trace = input.Trace });
        }
        catch (ActivityFailedException ex)
        {
            result = ToolResult.Failure(ex.Failure);
        }
        run.ToolCalls.Add(new ToolCallRecord(callId, name, result.RecordedArguments ?? recorded,
            result.Succeeded ? ToolCallOutcome.Succeeded : ToolCallOutcome.Failed,
            result.Succeeded ? Preview(result.Content) : null, result.Error, result.Attempts, result.Duration.TotalMilliseconds));
        run.AddStep(context, RunStepKind.ToolCall, name, callId, result.Succeeded ? Preview(result.Content) : "failed: " + Preview(result.Error));
        Publish(context, run);
        return result.Succeeded ? result.Content : ToolError(result.Error ?? "The tool failed.");
    }

    private static async Task<string> RunChildAgentAsync(
        IOrchestrationContext context, AgentRunInput input, string name, ToolCall call, string recorded, string callId, string childAgentId, RunState run)
    {
        if (input.Depth + 1 > MaxDepth)
        {
            return Refuse(context, run, callId, name, call with { ArgumentsJson = recorded }, $"Agents may call agents at most {MaxDepth} levels deep; '{name}' was not executed.");
        }
        var childRunId = $"{input.RunId}-{run.ToolCallCount}";
        var childInput = new AgentRunInput(input.Tenant, childRunId, childAgentId, input.UserId, null, ChildMessage(call.ArgumentsJson), input.RunId, input.Depth + 1) { Trace = input.Trace };
        RunOutcome outcome;
        try
        {
            outcome = await context.CallSubOrchestrationAsync<RunOutcome>(EngineNames.AgentRun, childRunId, childInput);
        }
        catch (ActivityFailedException ex)
        {
            outcome = new RunOutcome(childRunId, RunStatus.Failed, null, ex.Failure, RunUsage.Zero);
        }
        run.Usage = run.Usage.Add(outcome.Usage);
        run.Nested = run.Nested.Add(outcome.Usage);
        var succeeded = outcome.Status == RunStatus.Completed;
        var error = succeeded ? null : $"The agent '{childAgentId}' ended with status {outcome.Status}: {outcome.Reason}";
        run.ToolCalls.Add(new ToolCallRecord(callId, name, recorded, succeeded ? ToolCallOutcome.Succeeded : ToolCallOutcome.Failed,
            succeeded ? Preview(outcome.Answer) : null, error, 1, 0, childRunId));
        run.AddStep(context, RunStepKind.ToolCall, name, callId, succeeded ? Preview(outcome.Answer) : "failed: " + Preview(error));
        Publish(context, run);
        return succeeded ? outcome.Answer ?? string.Empty : ToolError(error!);
    }

    private static string Refuse(IOrchestrationContext context, RunState run, string callId, string name, ToolCall call, string error)
    {
        run.ToolCalls.Add(new ToolCallRecord(callId, name, call.ArgumentsJson, ToolCallOutcome.Refused, null, error, 0, 0));
        run.AddStep(context, RunStepKind.ToolRefused, name, callId, error);
        Publish(context, run);
        return ToolError(error);
    }

    private static Task<RunOutcome> TimeLimitAsync(IOrchestrationContext context, AgentRunInput input, RunPreparation preparation, RunState run) =>
        FinishAsync(context, input, preparation, run, RunStatus.TimeLimitReached, null,
            $"The run went past its max_execution_seconds budget of {preparation.Limits.MaxExecutionSeconds} seconds.");

    private static async Task<RunOutcome> FinishAsync(
        IOrchestrationContext context, AgentRunInput input, RunPreparation? preparation, RunState run, RunStatus status, string? answer, string? reason)
    {
        run.AddStep(context, RunStepKind.Finished, detail: reason ?? Preview(answer));
        var own = OwnUsageOf(run);
        await context.CallActivityAsync<bool>(EngineNames.CompleteRun, new RunCompletion(
            input, preparation?.Model ?? string.Empty, status, answer, reason, run.Steps.ToArray(), run.ToolCalls.ToArray(),
            preparation?.Citations ?? [], run.Usage, own, run.StartedAt,
            preparation?.AgentVersion ?? 0, preparation?.Scope ?? Agents.AgentScope.User, preparation?.TeamId ?? string.Empty));
        var outcome = new RunOutcome(input.RunId, status, answer, reason, run.Usage);
        context.SetCustomStatus(new RunProgress(status, LatestSteps(run), run.Usage, null, null));
        return outcome;
    }

    private static bool OverTime(IOrchestrationContext context, RunState run, int maxSeconds) =>
        context.CurrentUtcDateTime - run.StartedAt - run.WaitedForApproval > TimeSpan.FromSeconds(maxSeconds);

    /// <summary>
    /// Live progress carries the latest steps only, bounded by size (<see cref="ProgressStepCharacters"/>) as well as by
    /// count: Durable caps custom status at 16 KB. Steps keep their index, so a watcher never repeats one; the run
    /// record holds them all once the run ends.
    /// </summary>
    private static void Publish(IOrchestrationContext context, RunState run) =>
        context.SetCustomStatus(new RunProgress(
            run.PendingApproval is null ? RunStatus.Running : RunStatus.AwaitingApproval,
            LatestSteps(run), run.Usage, run.PendingApproval?.CallId, run.PendingApproval?.Tool, OwnUsageOf(run), run.Model));

    /// <summary>This run's own usage: everything but what its child runs used (they bill their own).</summary>
    private static RunUsage OwnUsageOf(RunState run) =>
        new(run.Usage.InputTokens - run.Nested.InputTokens, run.Usage.OutputTokens - run.Nested.OutputTokens,
            run.Usage.ModelCalls - run.Nested.ModelCalls, run.Usage.ToolCalls - run.Nested.ToolCalls);

    private static RunStep[] LatestSteps(RunState run)
    {
        var count = 0;
        var characters = 0;
        for (var i = run.Steps.Count - 1; i >= 0 && count < ProgressSteps; i--)
        {
            characters += run.StepCharacters[i] + 1;
            if (characters > ProgressStepCharacters) break;
            count++;
        }
        return run.Steps.GetRange(run.Steps.Count - count, count).ToArray();
    }

    /// <summary>
    /// A step's size inside the published progress: its JSON, escaped as part of a JSON string with the default
    /// (strictest) encoder, as a data converter with default options writes it. Counted, not serialized twice.
    /// </summary>
    private static int EncodedCharacters(RunStep step)
    {
        var json = JsonSerializer.Serialize(step, Common.PlatformJson.Options);
        var characters = json.Length;
        foreach (var c in json)
        {
            if (c is '"' or '\\') characters += 1;
            else if (c < 0x20 || c > 0x7E || c is '<' or '>' or '&' or '\'' or '+' or '`') characters += 5;
        }
        return characters;
    }

    // The model reads this, not a browser: keep quotes and apostrophes readable.
    private static readonly JsonSerializerOptions ToolErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string ToolError(string error) => JsonSerializer.Serialize(new { error }, ToolErrorJson);

    /// <summary>An agent-as-tool takes its input as <c>{"input": "..."}</c> (or <c>message</c>); anything else is passed as JSON.</summary>
    private static string ChildMessage(string argumentsJson)
    {
        try
        {
            using var document = JsonDocument.Parse(argumentsJson);
            foreach (var field in new[] { "input", "message", "query" })
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Validated earlier; fall through to the raw text.
        }
        return argumentsJson;
    }

    private static string? Preview(string? text) =>
        text is null ? null : text.Length <= PreviewLength ? text : text[..PreviewLength] + "…";

    /// <summary>The loop's mutable state. Lives only inside one execution; a replay rebuilds it from recorded results.</summary>
    private sealed class RunState(DateTimeOffset startedAt)
    {
        public DateTimeOffset StartedAt { get; } = startedAt;

        public List<RunStep> Steps { get; } = [];

        /// <summary>Each step's encoded size, measured once when it is added.</summary>
        public List<int> StepCharacters { get; } = [];

        public List<ToolCallRecord> ToolCalls { get; } = [];

        public RunUsage Usage { get; set; } = RunUsage.Zero;

        public int ToolCallCount { get; set; }

        /// <summary>What child runs used; included in <see cref="Usage"/>, left out of this run's own usage record.</summary>
        public RunUsage Nested { get; set; } = RunUsage.Zero;

        public string? Model { get; set; }

        public (string CallId, string Tool)? PendingApproval { get; set; }

        public TimeSpan WaitedForApproval { get; set; }

        public void AddStep(IOrchestrationContext context, RunStepKind kind, string? tool = null, string? callId = null, string? detail = null, TokenUsage? usage = null)
        {
            var step = new RunStep(Steps.Count, kind, context.CurrentUtcDateTime, tool, callId, detail, usage);
            Steps.Add(step);
            StepCharacters.Add(EncodedCharacters(step));
        }
    }
}
