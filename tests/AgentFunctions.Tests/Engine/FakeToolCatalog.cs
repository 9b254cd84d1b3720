using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Tools;

namespace AgentFunctions.Tests.Engine;

/// <summary>A tool catalog double: a fixed set of tools, resolved by exact allowlist names.</summary>
public sealed class FakeToolCatalog : IToolCatalog
{
    public const string Clock = "builtin.current_time";
    public const string Echo = "test.echo";
    public const string Guarded = "test.guarded";
    public const string Secretive = "test.secretive";

    private readonly Dictionary<string, ResolvedTool> tools = new(StringComparer.Ordinal)
    {
        [Clock] = new(Clock, "Current time", Schema("""{"type":"object","properties":{"zone":{"type":"string"}},"additionalProperties":false}"""), ToolKind.Builtin, false),
        [Echo] = new(Echo, "Echo text", Schema("""{"type":"object","properties":{"text":{"type":"string","maxLength":50}},"required":["text"]}"""), ToolKind.Http, false),
        [Guarded] = new(Guarded, "Needs approval", Schema("""{"type":"object"}"""), ToolKind.Http, true),
        [Secretive] = new(Secretive, "Takes an email it must not show", Schema("""{"type":"object","properties":{"email":{"type":"string"},"text":{"type":"string"}}}"""), ToolKind.Http, false,
            RedactFields: ["email"]),
    };

    public FakeToolCatalog AddAgentTool(string name, string agentId)
    {
        tools[name] = new ResolvedTool(name, "Ask another agent", Schema("""{"type":"object","properties":{"input":{"type":"string"}},"required":["input"]}"""), ToolKind.Agent, false, agentId);
        return this;
    }

    public Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResolvedTool>>(allowlist.Where(tools.ContainsKey).Select(n => tools[n]).ToList());

    public static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
