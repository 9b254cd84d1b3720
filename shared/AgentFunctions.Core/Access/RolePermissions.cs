namespace AgentFunctions.Access;

/// <summary>The explicit permission table. Changing who may do what means changing this table and its test.</summary>
public static class RolePermissions
{
    private const Permission ViewerGrants = Permission.ViewAgents | Permission.ViewRuns;

    private const Permission OperatorGrants = ViewerGrants | Permission.ManageAgents | Permission.RunAgents
        | Permission.ManageTools | Permission.ManageKnowledge | Permission.ManageCredentials | Permission.ManageTriggers;

    private const Permission AdminGrants = OperatorGrants | Permission.ViewBilling | Permission.ManageKeys
        | Permission.ManageUsers | Permission.ViewAudit | Permission.ManageTenantData;

    public static Permission For(Role role) => role switch
    {
        Role.Viewer => ViewerGrants,
        Role.Operator => OperatorGrants,
        Role.Admin => AdminGrants,
        _ => Permission.None,
    };

    public static bool Grants(Role role, Permission permission) => (For(role) & permission) == permission;
}
