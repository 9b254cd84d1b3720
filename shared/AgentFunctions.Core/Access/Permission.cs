namespace AgentFunctions.Access;

/// <summary>What a role may do. The table that grants them is <see cref="RolePermissions"/>.</summary>
[Flags]
public enum Permission
{
    None = 0,
    ViewAgents = 1 << 0,
    ManageAgents = 1 << 1,
    RunAgents = 1 << 2,
    ViewRuns = 1 << 3,
    ManageTools = 1 << 4,
    ManageKnowledge = 1 << 5,
    ViewBilling = 1 << 6,
    ManageKeys = 1 << 7,
    ManageCredentials = 1 << 8,
    ManageUsers = 1 << 9,
    ManageTriggers = 1 << 10,
    ViewAudit = 1 << 11,

    /// <summary>The tenant's own data lifecycle: export it, set its retention.</summary>
    ManageTenantData = 1 << 12,
}
