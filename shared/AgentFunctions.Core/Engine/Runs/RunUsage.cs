using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

/// <summary>A run's usage, including what agent-as-tool child runs used (rolled up).</summary>
public sealed record RunUsage(int InputTokens, int OutputTokens, int ModelCalls, int ToolCalls)
{
    public static readonly RunUsage Zero = new(0, 0, 0, 0);

    public int TotalTokens => InputTokens + OutputTokens;

    public RunUsage Add(TokenUsage tokens) => this with { InputTokens = InputTokens + tokens.InputTokens, OutputTokens = OutputTokens + tokens.OutputTokens };

    public RunUsage Add(RunUsage other) => new(InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, ModelCalls + other.ModelCalls, ToolCalls + other.ToolCalls);
}
