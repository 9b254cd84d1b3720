using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Lists the tools of a whole-server MCP registry entry as <c>{entry}.{tool}</c>, cached per entry version for
/// <see cref="ToolExecutionOptions.McpListCacheDuration"/>. Tools whose names cannot travel as a model function name
/// (characters outside <c>[A-Za-z0-9_-]</c>, a <c>__</c>, or longer than 64 on the wire), and tools whose input schema is
/// not self-contained or too large (<see cref="SelfContainedSchema"/>), are skipped with a warning.
/// </summary>
public sealed partial class McpToolLister(McpConnector connector, ToolExecutionOptions options, TimeProvider time, ILogger<McpToolLister> logger)
{
    private const int MaxWireNameLength = 64;
    private readonly ConcurrentDictionary<(string Tenant, string Entry, int Version, DateTimeOffset Updated), (DateTimeOffset Expires, IReadOnlyList<ResolvedTool> Tools)> cache = new();

    public async Task<IReadOnlyList<ResolvedTool>> ListAsync(ToolDefinition entry, Func<CancellationToken, Task<(string Name, string Value)?>> credentialHeader, CancellationToken cancellationToken)
    {
        var spec = entry.Mcp ?? throw new ArgumentException("not an MCP entry", nameof(entry));
        var key = (entry.TenantId.Value, entry.Id, entry.Version, entry.UpdatedAt);
        var now = time.GetUtcNow();
        if (cache.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Tools;
        }
        var header = await credentialHeader(cancellationToken).ConfigureAwait(false);
        await using var client = await connector.ConnectAsync(spec, header, cancellationToken).ConfigureAwait(false);
        var listed = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var tools = new List<ResolvedTool>(listed.Count);
        foreach (var tool in listed)
        {
            var name = entry.Id + "." + tool.Name;
            if (!SafeToolName().IsMatch(tool.Name) || tool.Name.Contains("__", StringComparison.Ordinal)
                || Engine.Models.ToolSchema.ToWireName(name).Length > MaxWireNameLength)
            {
                logger.LogWarning("MCP tool {McpTool} of {ToolEntry} skipped: its name cannot be a model function name", tool.Name, entry.Id);
                continue;
            }
            var schema = tool.ProtocolTool.InputSchema.ValueKind == JsonValueKind.Object ? tool.ProtocolTool.InputSchema.Clone() : EmptyObjectSchema;
            if (UnusableSchema(schema) is { } problem)
            {
                // The server chooses its schemas: one that points outside itself (or is too big) never reaches the engine.
                logger.LogWarning("MCP tool {McpTool} of {ToolEntry} skipped: its input schema {Problem}", tool.Name, entry.Id, problem);
                continue;
            }
            tools.Add(new ResolvedTool(name, tool.Description ?? entry.Description, schema, ToolKind.Mcp, entry.RequiresApproval, RedactFields: entry.RedactFields));
        }
        cache[key] = (now + options.McpListCacheDuration, tools);
        return tools;
    }

    private static string? UnusableSchema(JsonElement schema)
    {
        if (SelfContainedSchema.Problem(schema) is { } problem) return problem;
        try
        {
            SelfContainedSchema.Load(schema.GetRawText());
            return null;
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return "is not a valid self-contained JSON Schema";
        }
    }

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]$|^[A-Za-z0-9]$")]
    private static partial Regex SafeToolName();
}
