using AgentFunctions.Common;
using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

public sealed record ModelCallInput(TenantId Tenant, string RunId, ChatRequest Request);
