namespace AgentFunctions.Agents;

/// <summary>The editable definition of an agent. Each change is kept as an immutable <see cref="AgentVersion"/>.</summary>
public sealed record AgentSpec(
    string Name,
    string? Description,
    AgentScope Scope,
    string Model,
    string SystemPrompt,
    IReadOnlyList<string> Rules,
    IReadOnlyList<string> Tools,
    KnowledgeSettings Knowledge,
    int MemoryWindow,
    AgentLimits Limits);

public enum AgentScope
{
    User,
    Team,
}

/// <summary>Retrieval before each model call from the knowledge bases named in <see cref="KnowledgeBaseIds"/> (of the agent's tenant).</summary>
public sealed record KnowledgeSettings(bool Enabled, int TopK = 4, double MinScore = 0.0, IReadOnlyList<string>? KnowledgeBaseIds = null)
{
    public static readonly KnowledgeSettings Off = new(false);
}

/// <summary>Budgets for one run. The engine stops the run with a clear status when any is reached.</summary>
public sealed record AgentLimits(int MaxToolCallsPerTurn, int MaxLoops, int MaxTokens, int MaxExecutionSeconds)
{
    public static readonly AgentLimits Default = new(MaxToolCallsPerTurn: 8, MaxLoops: 6, MaxTokens: 32_000, MaxExecutionSeconds: 120);
}
