using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Tools;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Calls one tool on an MCP server: connects (credential as a header, obtained at the moment of use), sends
/// <c>tools/call</c>, and turns the result into text (structured content when the server gives it, else its text
/// blocks). MCP calls are never retried: <c>tools/call</c> carries no idempotency promise.
/// </summary>
public sealed class McpToolRunner(McpConnector connector, CredentialResolver credentials, ToolExecutionOptions options)
{
    public async Task<ToolOutcome> RunAsync(ToolCallScope scope, McpToolSpec spec, string mcpToolName, CancellationToken cancellationToken)
    {
        (string Name, string Value)? header = spec.CredentialId is { Length: > 0 } credentialId
            ? await credentials.HeaderAsync(scope, credentialId, null, McpConnector.EndpointOf(spec), cancellationToken).ConfigureAwait(false)
            : null;
        var arguments = ParseArguments(scope.Invocation.ArgumentsJson);
        scope.Attempts = 1;
        await using var client = await connector.ConnectAsync(spec, header, cancellationToken).ConfigureAwait(false);
        var result = await client.CallToolAsync(mcpToolName, arguments, progress: null, options: null, cancellationToken).ConfigureAwait(false);
        var text = ToText(result);
        if (Encoding.UTF8.GetByteCount(text) > options.MaxResponseBytes)
        {
            throw new ToolCallException(string.Create(CultureInfo.InvariantCulture, $"the response is larger than the {options.MaxResponseBytes} byte limit"));
        }
        return result.IsError == true ? ToolOutcome.Failed(text.Length == 0 ? "the MCP tool reported an error" : text) : ToolOutcome.Ok(text);
    }

    private static Dictionary<string, object?> ParseArguments(string json)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json)) return arguments;
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ToolCallException("MCP tool arguments must be a JSON object");
        foreach (var property in document.RootElement.EnumerateObject())
        {
            arguments[property.Name] = property.Value.Clone();
        }
        return arguments;
    }

    private static string ToText(CallToolResult result)
    {
        if (result.StructuredContent is { } structured)
        {
            return structured.ToString();
        }
        var builder = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (block is TextContentBlock text)
            {
                if (builder.Length > 0) builder.Append('\n');
                builder.Append(text.Text);
            }
        }
        return builder.ToString();
    }
}
