namespace AgentFunctions.Agents;

/// <summary>
/// An agent definition as a client sends it. On create and PUT, absent fields take their defaults; on PATCH they keep
/// the current value.
/// </summary>
public sealed record AgentInput(
    string? Name = null,
    string? Description = null,
    AgentScope? Scope = null,
    string? Model = null,
    string? SystemPrompt = null,
    IReadOnlyList<string>? Rules = null,
    IReadOnlyList<string>? Tools = null,
    KnowledgeSettings? Knowledge = null,
    int? MemoryWindow = null,
    AgentLimits? Limits = null,
    string? TeamId = null);
