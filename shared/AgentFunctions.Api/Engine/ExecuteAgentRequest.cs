namespace AgentFunctions.Api.Engine;

/// <summary>Body of <c>POST /api/v1/agents/{agentId}/execute</c>. <c>wait: false</c> answers 202 at once with the run's location.</summary>
public sealed record ExecuteAgentRequest(string Input, string? SessionId = null, bool Wait = true, int? WaitSeconds = null);
