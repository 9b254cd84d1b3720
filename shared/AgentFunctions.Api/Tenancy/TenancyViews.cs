using AgentFunctions.Access;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Api.Tenancy;

/// <summary>An API key as lists show it: prefix, never the hash.</summary>
public sealed record ApiKeyView(string Id, string UserId, string Name, string Prefix, Role? Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyView From(ApiKey key) => new(key.Id, key.UserId, key.Name, key.Prefix, key.Role, key.CreatedAt, key.ExpiresAt, key.RevokedAt);
}

/// <summary>The answer to creating a key: the only time its text is shown.</summary>
public sealed record ApiKeyIssued(ApiKeyView ApiKey, string Key);

public sealed record UserView(string Id, string Email, string? DisplayName, Role Role, IReadOnlyList<string> TeamIds, bool Disabled, DateTimeOffset CreatedAt)
{
    public static UserView From(User user) => new(user.Id, user.Email, user.DisplayName, user.Role, user.TeamIds, user.Disabled, user.CreatedAt);
}

public sealed record TenantView(string Id, string Name, string Plan, TenantContact? Contact, string DefaultTeamId, DateTimeOffset CreatedAt)
{
    public static TenantView From(Tenant tenant) => new(tenant.Id, tenant.Name, tenant.Plan, tenant.Contact, tenant.DefaultTeamId, tenant.CreatedAt);
}

public sealed record TenantCreatedView(TenantView Tenant, UserView Admin, ApiKeyIssued AdminKey);

public sealed record MeView(string TenantId, UserView User, string KeyId, Role EffectiveRole, IReadOnlyList<string> Permissions);
