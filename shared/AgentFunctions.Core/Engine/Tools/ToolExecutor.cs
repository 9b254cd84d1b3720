using System.Text.Json;
using AgentFunctions.Credentials;
using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// The dispatcher: resolves the tool, applies its rate limit and timeout, runs it by kind, then redacts the configured
/// fields, and scrubs the values of any credential it injected (in every encoding <see cref="SecretScrubber"/> knows),
/// from the result, the error, the recorded arguments and its log lines before they are logged, stored or returned. Every failure of the
/// tool itself comes back as a failed <see cref="ToolResult"/>; only the caller's own cancellation propagates.
/// </summary>
public sealed class ToolExecutor(
    ToolDirectory directory,
    BuiltinTools builtins,
    HttpToolRunner http,
    McpToolRunner mcp,
    ToolRateLimiter rateLimiter,
    ToolExecutionOptions options,
    TimeProvider time,
    ILogger<ToolExecutor> logger) : IToolExecutor
{
    public async Task<ToolResult> ExecuteAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        ToolTarget? target;
        try
        {
            target = await directory.FindAsync(invocation.Tenant, invocation.ToolName, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            target = null;
        }
        if (target is null)
        {
            logger.LogWarning("Tool {ToolName} called by run {RunId} does not exist in tenant {TenantId}", invocation.ToolName, invocation.RunId, invocation.Tenant);
            return ToolResult.Failure($"tool '{invocation.ToolName}' is not available", 0, time.GetElapsedTime(started));
        }

        var redactedArguments = JsonRedactor.Redact(invocation.ArgumentsJson, target.RedactFields);
        if (!rateLimiter.TryAcquire(invocation.Tenant, target.Name, target.RateLimitPerMinute))
        {
            logger.LogWarning("Tool {ToolName} rate limited for tenant {TenantId} (run {RunId}, call {CallId})", target.Name, invocation.Tenant, invocation.RunId, invocation.CallId);
            return ToolResult.Failure($"tool '{target.Name}' is rate limited to {target.RateLimitPerMinute} calls per minute; try again later", 0, time.GetElapsedTime(started));
        }

        var scope = new ToolCallScope(invocation, target);
        var timeout = TimeoutOf(target);
        ToolOutcome outcome;
        using (var timeoutSource = new CancellationTokenSource(timeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token))
        {
            try
            {
                outcome = await RunAsync(scope, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                outcome = ToolOutcome.Failed($"tool '{target.Name}' timed out after {timeout.TotalSeconds:0.#} s");
            }
            catch (BlockedDestinationException ex)
            {
                outcome = ToolOutcome.Failed(ex.Message);
            }
            catch (ToolCallException ex)
            {
                outcome = ToolOutcome.Failed(ex.Message);
            }
            catch (CredentialUseRefusedException ex)
            {
                outcome = ToolOutcome.Failed($"the tool's credential may not be used: {ex.Reason}");
            }
            catch (JsonException)
            {
                outcome = ToolOutcome.Failed("the tool arguments are not valid JSON");
            }
            catch (HttpRequestException ex) when (GuardedSender.FindBlocked(ex) is { } blocked)
            {
                outcome = ToolOutcome.Failed(blocked.Message);
            }
            catch (HttpRequestException ex)
            {
                outcome = ToolOutcome.Failed($"the tool could not be reached ({ex.HttpRequestError})");
            }
            catch (ModelContextProtocol.McpException ex) when (GuardedSender.FindBlocked(ex) is null)
            {
                // The MCP server's own error (unknown tool, bad arguments): the model may correct its call.
                outcome = ToolOutcome.Failed($"the MCP server answered with an error: {ex.Message}");
            }
            catch (Exception ex) when (GuardedSender.FindBlocked(ex) is { } blocked)
            {
                outcome = ToolOutcome.Failed(blocked.Message);
            }
            catch (Exception ex)
            {
                // The exception type only: a tool's exception message may carry what it was sent.
                logger.LogError("Tool {ToolName} failed unexpectedly in run {RunId}: {ExceptionType}", target.Name, invocation.RunId, ex.GetType().Name);
                outcome = ToolOutcome.Failed($"tool '{target.Name}' failed unexpectedly");
            }
        }

        var content = scope.Scrubber.Scrub(JsonRedactor.Redact(outcome.Content, target.RedactFields));
        // Arguments come from the model, which may have been handed the secret elsewhere: what the run records is scrubbed too.
        var scrubbedArguments = scope.Scrubber.Scrub(redactedArguments);
        var recordArguments = string.Equals(scrubbedArguments, redactedArguments, StringComparison.Ordinal) ? null : scrubbedArguments;
        var duration = time.GetElapsedTime(started);
        var attempts = Math.Max(scope.Attempts, 1);
        if (outcome.Succeeded)
        {
            logger.LogInformation(
                "Tool {ToolName} ({ToolKind}) succeeded for run {RunId} call {CallId} in {DurationMs} ms after {Attempts} attempt(s); arguments {Arguments}; result {ResultLength} chars",
                target.Name, target.Kind, invocation.RunId, invocation.CallId, (long)duration.TotalMilliseconds, attempts, Truncate(scrubbedArguments), content.Length);
        }
        else
        {
            logger.LogWarning(
                "Tool {ToolName} ({ToolKind}) failed for run {RunId} call {CallId} in {DurationMs} ms after {Attempts} attempt(s); arguments {Arguments}; error {Error}",
                target.Name, target.Kind, invocation.RunId, invocation.CallId, (long)duration.TotalMilliseconds, attempts, Truncate(scrubbedArguments), Truncate(content));
        }
        return outcome.Succeeded
            ? new ToolResult(true, content, null, attempts, duration, recordArguments)
            : new ToolResult(false, content, content, attempts, duration, recordArguments);
    }

    private Task<ToolOutcome> RunAsync(ToolCallScope scope, CancellationToken cancellationToken)
    {
        var target = scope.Target;
        return target.Kind switch
        {
            ToolKind.Builtin => builtins.RunAsync(scope, cancellationToken),
            ToolKind.Http when target.Definition?.Http is { } spec => http.RunAsync(scope, spec, cancellationToken),
            ToolKind.Mcp when target.Definition?.Mcp is { } spec && target.McpToolName is { } name => mcp.RunAsync(scope, spec, name, cancellationToken),
            // Agent-as-tool is a sub-orchestration the engine starts itself (ResolvedTool.AgentId); it never reaches here.
            ToolKind.Agent => Task.FromResult(ToolOutcome.Failed($"tool '{target.Name}' is an agent and runs as a sub-orchestration")),
            _ => Task.FromResult(ToolOutcome.Failed($"tool '{target.Name}' has no {target.Kind.ToString().ToLowerInvariant()} settings")),
        };
    }

    private TimeSpan TimeoutOf(ToolTarget target)
    {
        var own = target.Definition?.TimeoutSeconds ?? 0;
        var seconds = own > 0 ? own : options.DefaultToolTimeoutSeconds;
        return TimeSpan.FromSeconds(Math.Min(seconds, ToolExecutionOptions.MaxTimeoutSeconds));
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
