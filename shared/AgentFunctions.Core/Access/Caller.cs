using AgentFunctions.Common;

namespace AgentFunctions.Access;

/// <summary>
/// Who is calling, resolved from an API key. A tenant caller acts as one user of one tenant, with the
/// lower of the user's role and the key's optional narrower role. The platform caller manages tenants only.
/// <see cref="KeyRole"/> is the presented key's own narrower role, if any; <see cref="KeyExpiresAt"/> is when it stops
/// working (null: never). A key it creates may exceed neither.
/// </summary>
public sealed record Caller(
    TenantId Tenant, string UserId, Role Role, string KeyId, IReadOnlyList<string> TeamIds, bool IsPlatform = false,
    Role? KeyRole = null, DateTimeOffset? KeyExpiresAt = null)
{
    public bool Can(Permission permission) => !IsPlatform && RolePermissions.Grants(Role, permission);

    public void Demand(Permission permission)
    {
        if (!Can(permission))
        {
            throw new ForbiddenException($"The '{Role.ToString().ToLowerInvariant()}' role may not {Describe(permission)}.");
        }
    }

    private static string Describe(Permission permission) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(permission.ToString()).Replace('_', ' ');
}
