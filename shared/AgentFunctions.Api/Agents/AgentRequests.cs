namespace AgentFunctions.Api.Agents;

public sealed record RollbackRequest(int? Version);
