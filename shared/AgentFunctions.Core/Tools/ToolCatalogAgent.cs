namespace AgentFunctions.Tools;

/// <summary>Which agent the tools are resolved for, so a listing credential passes the same usage check as a call.</summary>
public sealed record ToolCatalogAgent(string AgentId, string AgentOwnerId, string? RunId);
