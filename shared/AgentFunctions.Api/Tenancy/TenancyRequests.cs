using AgentFunctions.Access;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Api.Tenancy;

public sealed record CreateTenantRequest(string? Name, string? Plan, TenantContact? Contact, AdminRequest? Admin, string? TenantId = null);

public sealed record AdminRequest(string? Email, string? DisplayName);

public sealed record SetPlanRequest(string? Plan);

public sealed record CreateTeamRequest(string? Name);

public sealed record CreateUserRequest(string? Email, string? DisplayName, Role? Role, IReadOnlyList<string>? TeamIds);

public sealed record UpdateUserRequest(string? DisplayName, Role? Role, bool? Disabled, IReadOnlyList<string>? TeamIds);

public sealed record CreateApiKeyRequest(string? Name, string? UserId, Role? Role, DateTimeOffset? ExpiresAt);
