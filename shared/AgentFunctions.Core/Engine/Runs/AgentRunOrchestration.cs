using System.Text.Json;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The agent loop, written once as a deterministic orchestration: prepare (the same activity makes the first model call),
/// then model -> validated tools -> model until a final answer or a budget, then one atomic completion write. Every
/// effect is an activity (or a child run, or an approval event); time is the orchestration's replay-safe clock. Runs on
/// Durable Functions and on the local runner.
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
        // The conversation lives in the run's transcript (IRunTranscript), written by the activities: the loop keeps its
        // length and the few messages it makes itself (refusals, approvals' outcomes, child agents' answers) until the
        // next model call stores them, so no activity input carries the conversation.
        var transcriptLength = preparation.TranscriptLength;
        var appended = new List<TranscriptEntry>();
        // The first model call, made by PrepareRun at the run's start (null in a history recorded before it did).
        var (firstCompletion, firstFailure) = (preparation.FirstCompletion, preparation.FirstCallFailure);

        while (true)
        {
            var prefetched = firstCompletion is not null || firstFailure is not null;
            if (run.Usage.ModelCalls - run.Nested.ModelCalls >= limits.MaxLoops)
            {
                return await FinishAsync(context, input, preparation, run, RunStatus.LoopLimitReached, null,
                    $"The agent reached its max_loops budget ({limits.MaxLoops} model calls) before a final answer.");
            }
            if (!prefetched && OverTime(context, run, limits.MaxExecutionSeconds))
            {
                return await TimeLimitAsync(context, input, preparation, run);
            }

            ChatCompletion completion;
            string? failure = null;
            if (prefetched)
            {
                completion = firstCompletion!;
                failure = firstFailure;
                (firstCompletion, firstFailure) = (null, null);
            }
            else
            {
                try
                {
                    var remaining = Math.Max(1, limits.MaxTokens - run.Usage.TotalTokens);
                    completion = await context.CallActivityAsync<ChatCompletion>(EngineNames.CallModel,
                        new ModelCallInput(input.Tenant, input.RunId, preparation.Model, schemas, remaining, transcriptLength, appended.ToArray()) { Trace = input.Trace });
                }
                catch (ActivityFailedException ex)
                {
                    completion = null!;
                    failure = ex.Failure;
                }
            }
            if (failure is not null)
            {
                if (failure.Contains(Usage.UsageLimitExceededException.BudgetMarker, StringComparison.Ordinal))
                {
                    // Refused before the call: what ran so far is billed, nothing half-done.
                    return await FinishAsync(context, input, preparation, run, RunStatus.BudgetExceeded, null,
                        failure.Replace(Usage.UsageLimitExceededException.BudgetMarker, string.Empty, StringComparison.Ordinal).Trim());
                }
                return await FinishAsync(context, input, preparation, run, RunStatus.Failed, null, "The model call failed: " + failure);
            }
            appended.Clear();
            transcriptLength++;

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

            if (await RunToolCallsAsync(context, input, preparation, tools, completion.ToolCalls, transcriptLength, run, appended) is { } ended)
            {
                return ended;
            }
            transcriptLength += completion.ToolCalls.Count;
        }
    }

    /// <summary>
    /// The calls of one model answer. First each is validated and, where it needs one, approved, in the order asked (one
    /// pending approval at a time). Then every cleared call starts at once (fan-out: tools as activities, agents as
    /// sub-orchestrations) and the loop waits for all (fan-in); no orchestration code runs between, so the order in which
    /// they finish never changes what the loop does. Results are recorded, and go back to the model, in the order asked:
    /// call <c>i</c>'s message is at transcript index <paramref name="firstIndex"/> + <c>i</c>. Returns an outcome only
    /// when the run ends here (time limit).
    /// </summary>
    private static async Task<RunOutcome?> RunToolCallsAsync(
        IOrchestrationContext context, AgentRunInput input, RunPreparation preparation, IReadOnlyDictionary<string, ResolvedTool> tools,
        IReadOnlyList<ToolCall> calls, int firstIndex, RunState run, List<TranscriptEntry> appended)
    {
        if (OverTime(context, run, preparation.Limits.MaxExecutionSeconds))
        {
            return await TimeLimitAsync(context, input, preparation, run);
        }
        var slots = new ToolSlot[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            slots[i] = await ClearAsync(context, input, preparation, tools, calls[i], firstIndex + i, run);
        }
        if (slots.Any(s => s.Tool is not null) && OverTime(context, run, preparation.Limits.MaxExecutionSeconds))
        {
            return await TimeLimitAsync(context, input, preparation, run);
        }

        var running = new List<Task>(slots.Length);
        foreach (var slot in slots.Where(s => s.Tool is not null))
        {
            if (slot.ChildAgentId is { } childAgentId)
            {
                var childRunId = $"{input.RunId}-{slot.Number}";
                slot.Child = RunChildAsync(context, childRunId,
                    new AgentRunInput(input.Tenant, childRunId, childAgentId, input.UserId, null, ChildMessage(slot.Call.ArgumentsJson), input.RunId, input.Depth + 1) { Trace = input.Trace });
                running.Add(slot.Child);
            }
            else
            {
                // Builtins only read; every other kind may change the world and is journaled as a side effect.
                slot.Execution = ExecuteAsync(context, slot.Tool!.Kind == ToolKind.Builtin ? EngineNames.ExecuteReadOnlyTool : EngineNames.ExecuteTool, new ToolCallInput(
                    new ToolInvocation(input.Tenant, input.RunId, input.AgentId, preparation.AgentOwnerId, slot.Name, slot.Call.ArgumentsJson, slot.CallId) { Trace = input.Trace },
                    slot.Index, slot.Call.Id));
                running.Add(slot.Execution);
            }
        }
        if (running.Count > 0)
        {
            await Task.WhenAll(running);
        }

        foreach (var slot in slots)
        {
            string? message;
            if (slot.Ended is { } record)
            {
                run.ToolCalls.Add(record);
                message = ToolError(record.Error!);
            }
            else if (slot.Child is { } child)
            {
                var outcome = child.Result;
                run.Usage = run.Usage.Add(outcome.Usage);
                run.Nested = run.Nested.Add(outcome.Usage);
                var succeeded = outcome.Status == RunStatus.Completed;
                var error = succeeded ? null : $"The agent '{slot.ChildAgentId}' ended with status {outcome.Status}: {outcome.Reason}";
                run.ToolCalls.Add(new ToolCallRecord(slot.CallId, slot.Name, slot.Recorded, succeeded ? ToolCallOutcome.Succeeded : ToolCallOutcome.Failed,
                    succeeded ? Preview(outcome.Answer) : null, error, 1, 0, outcome.RunId));
                run.AddStep(context, RunStepKind.ToolCall, slot.Name, slot.CallId, succeeded ? Preview(outcome.Answer) : "failed: " + Preview(error));
                message = succeeded ? outcome.Answer ?? string.Empty : ToolError(error!);
            }
            else
            {
                var (result, stored) = slot.Execution!.Result;
                run.ToolCalls.Add(new ToolCallRecord(slot.CallId, slot.Name, result.RecordedArguments ?? slot.Recorded,
                    result.Succeeded ? ToolCallOutcome.Succeeded : ToolCallOutcome.Failed,
                    result.Succeeded ? Preview(result.Content) : null, result.Error, result.Attempts, result.Duration.TotalMilliseconds));
                run.AddStep(context, RunStepKind.ToolCall, slot.Name, slot.CallId, result.Succeeded ? Preview(result.Content) : "failed: " + Preview(result.Error));
                // The activity stored what the model reads back; an activity that failed as a whole could not.
                message = stored ? null : ToolError(result.Error ?? "The tool failed.");
            }
            if (message is not null)
            {
                appended.Add(new TranscriptEntry(slot.Index, ChatMessage.Tool(slot.Call.Id, message)));
            }
        }
        Publish(context, run);
        return null;
    }

    /// <summary>Validates one call and gates it on approval; the slot comes back cleared to run or ended with its record.</summary>
    private static async Task<ToolSlot> ClearAsync(
        IOrchestrationContext context, AgentRunInput input, RunPreparation preparation,
        IReadOnlyDictionary<string, ResolvedTool> tools, ToolCall call, int index, RunState run)
    {
        var name = ToolSchema.FromWireName(call.Name);
        var number = ++run.ToolCallCount;
        run.Usage = run.Usage with { ToolCalls = run.Usage.ToolCalls + 1 };
        var slot = new ToolSlot(call, name, $"{input.RunId}.{number}", number, index) { Recorded = call.ArgumentsJson };

        if (!tools.TryGetValue(name, out var tool))
        {
            return Refuse(context, run, slot, $"The tool '{name}' is not in this agent's allowlist; it was not executed.");
        }
        // What the run records and shows of the arguments: the tool's redact_fields masked (the tool itself gets them whole).
        slot.Recorded = tool.RedactFields is { Count: > 0 } fields ? JsonRedactor.Redact(call.ArgumentsJson, fields) : call.ArgumentsJson;
        var problems = ToolArgumentsValidator.Validate(tool.InputSchema, call.ArgumentsJson);
        if (problems.Count > 0)
        {
            return Refuse(context, run, slot, $"The arguments for '{name}' do not match its input schema ({string.Join("; ", problems)}); it was not executed.");
        }

        if (tool.RequiresApproval)
        {
            run.AddStep(context, RunStepKind.ApprovalRequested, name, slot.CallId, Preview(slot.Recorded));
            run.PendingApproval = (slot.CallId, name);
            Publish(context, run);
            var waitStarted = context.CurrentUtcDateTime;
            var decision = await context.WaitForExternalEventAsync<ApprovalDecision>(
                EngineNames.ApprovalEvent(slot.CallId), TimeSpan.FromSeconds(preparation.ApprovalTimeoutSeconds));
            run.PendingApproval = null;
            // Time spent waiting for a person is not the agent's execution time.
            run.WaitedForApproval += context.CurrentUtcDateTime - waitStarted;
            if (!decision.Received || decision.Payload is null)
            {
                var error = $"The call to '{name}' needed approval and none came within {preparation.ApprovalTimeoutSeconds} seconds; it was not executed.";
                run.AddStep(context, RunStepKind.ApprovalTimedOut, name, slot.CallId, error);
                slot.Ended = new ToolCallRecord(slot.CallId, name, slot.Recorded, ToolCallOutcome.ApprovalTimedOut, null, error, 0, 0);
                Publish(context, run);
                return slot;
            }
            if (!decision.Payload.Approved)
            {
                var error = $"A person rejected the call to '{name}'" + (decision.Payload.Reason is { Length: > 0 } r ? $": {r}" : ".") + " It was not executed.";
                run.AddStep(context, RunStepKind.ApprovalRejected, name, slot.CallId, error);
                slot.Ended = new ToolCallRecord(slot.CallId, name, slot.Recorded, ToolCallOutcome.Rejected, null, error, 0, 0);
                Publish(context, run);
                return slot;
            }
            run.AddStep(context, RunStepKind.ApprovalGranted, name, slot.CallId);
        }

        if (tool.Kind == ToolKind.Agent && tool.AgentId is { } childAgentId)
        {
            if (input.Depth + 1 > MaxDepth)
            {
                return Refuse(context, run, slot, $"Agents may call agents at most {MaxDepth} levels deep; '{name}' was not executed.");
            }
            slot.ChildAgentId = childAgentId;
        }
        slot.Tool = tool;
        return slot;
    }

    /// <summary>One tool activity of a fan-out. Touches no run state: results are recorded after the fan-in, in order.</summary>
    private static async Task<(ToolResult Result, bool Stored)> ExecuteAsync(IOrchestrationContext context, string activity, ToolCallInput call)
    {
        try
        {
            return (await context.CallActivityAsync<ToolResult>(activity, call), true);
        }
        catch (ActivityFailedException ex)
        {
            return (ToolResult.Failure(ex.Failure), false);
        }
    }

    /// <summary>One child agent of a fan-out, as a sub-orchestration. Touches no run state.</summary>
    private static async Task<RunOutcome> RunChildAsync(IOrchestrationContext context, string childRunId, AgentRunInput childInput)
    {
        try
        {
            return await context.CallSubOrchestrationAsync<RunOutcome>(EngineNames.AgentRun, childRunId, childInput);
        }
        catch (ActivityFailedException ex)
        {
            return new RunOutcome(childRunId, RunStatus.Failed, null, ex.Failure, RunUsage.Zero);
        }
    }

    private static ToolSlot Refuse(IOrchestrationContext context, RunState run, ToolSlot slot, string error)
    {
        slot.Ended = new ToolCallRecord(slot.CallId, slot.Name, slot.Recorded, ToolCallOutcome.Refused, null, error, 0, 0);
        run.AddStep(context, RunStepKind.ToolRefused, slot.Name, slot.CallId, error);
        Publish(context, run);
        return slot;
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
    internal static int EncodedCharacters(RunStep step)
    {
        // The step's JSON as UTF-8 into a per-thread buffer (JsonSerializer.Serialize to a string writes these bytes and
        // transcodes them), counted as the UTF-16 characters of that string once it is escaped again inside a string.
        var buffer = stepBuffer ??= new System.Buffers.ArrayBufferWriter<byte>(1024);
        var writer = stepWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Encoder = Common.PlatformJson.Options.Encoder,
            Indented = Common.PlatformJson.Options.WriteIndented,
            MaxDepth = Common.PlatformJson.Options.MaxDepth,
        });
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(writer, step, Common.PlatformJson.Options);
            writer.Flush();
            return EncodedCharacters(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity > 64 * 1024) stepBuffer = null;
        }
    }

    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? stepBuffer;
    [ThreadStatic] private static Utf8JsonWriter? stepWriter;

    /// <summary>
    /// The UTF-16 length of <paramref name="utf8"/> (valid UTF-8) as a JSON string's content: '"' and '\' take two
    /// characters, control, non-ASCII and HTML-sensitive characters six (<c>\uXXXX</c>). A 2- or 3-byte sequence is one
    /// UTF-16 character, a 4-byte sequence two.
    /// </summary>
    internal static int EncodedCharacters(ReadOnlySpan<byte> utf8)
    {
        var characters = 0;
        foreach (var b in utf8)
        {
            if (b < 0x80)
            {
                characters += b is (byte)'"' or (byte)'\\' ? 2
                    : b < 0x20 || b == 0x7F || b is (byte)'<' or (byte)'>' or (byte)'&' or (byte)'\'' or (byte)'+' or (byte)'`' ? 6
                    : 1;
            }
            else if (b >= 0xF0) characters += 12;
            else if (b >= 0xC0) characters += 6;
            // continuation bytes (10xxxxxx) belong to the sequence already counted
        }
        return characters;
    }

    private static string ToolError(string error) => AgentRunActivities.ToolError(error);

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

    /// <summary>One call of a model answer on its way through <see cref="RunToolCallsAsync"/>.</summary>
    private sealed class ToolSlot(ToolCall call, string name, string callId, int number, int index)
    {
        public ToolCall Call { get; } = call;

        public string Name { get; } = name;

        public string CallId { get; } = callId;

        /// <summary>The call's number in the run (1-based): a child agent's run id ends with it.</summary>
        public int Number { get; } = number;

        /// <summary>Where the call's result goes in the transcript.</summary>
        public int Index { get; } = index;

        /// <summary>The arguments as the run records them (redacted).</summary>
        public string Recorded { get; set; } = string.Empty;

        /// <summary>Set when the call is cleared to run.</summary>
        public ResolvedTool? Tool { get; set; }

        public string? ChildAgentId { get; set; }

        /// <summary>Set when the call ended before it could run (refused, rejected, no approval in time).</summary>
        public ToolCallRecord? Ended { get; set; }

        public Task<(ToolResult Result, bool Stored)>? Execution { get; set; }

        public Task<RunOutcome>? Child { get; set; }
    }

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
