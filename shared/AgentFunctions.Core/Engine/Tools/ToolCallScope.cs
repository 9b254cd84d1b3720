namespace AgentFunctions.Engine.Tools;

/// <summary>One tool call in flight: what runs, and the secret values it touched (scrubbed from its result).</summary>
public sealed class ToolCallScope(ToolInvocation invocation, ToolTarget target)
{
    private readonly List<string> secrets = [];

    public ToolInvocation Invocation { get; } = invocation;

    public ToolTarget Target { get; } = target;

    public int Attempts { get; set; }

    public IReadOnlyList<string> Secrets => secrets;

    public void RememberSecret(string value) => secrets.Add(value);
}
