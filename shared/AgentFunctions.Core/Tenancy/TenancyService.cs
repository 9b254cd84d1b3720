using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tenancy;

/// <summary>Tenants (platform level), their teams and users. Every write that makes several records is one atomic batch.</summary>
public sealed class TenancyService(IDocumentStore store, TimeProvider time, ILogger<TenancyService> logger)
{
    public static readonly IReadOnlySet<string> Plans = new HashSet<string>(StringComparer.Ordinal) { "free", "pro", "enterprise" };

    /// <summary>Creates a tenant with its default team, its first admin user and that admin's first API key.</summary>
    public async Task<TenantCreated> CreateTenantAsync(CreateTenantCommand command, CancellationToken cancellationToken = default)
    {
        var validation = new Validation()
            .RequireName(command.Name, "name", 200)
            .Require(command.Plan is null || Plans.Contains(command.Plan), "plan", $"must be one of: {string.Join(", ", Plans)}")
            .RequireName(command.AdminEmail, "admin.email", 320)
            .OptionalName(command.AdminName, "admin.display_name", 200)
            .Require(command.TenantId is null || TenantId.IsValid(command.TenantId), "tenant_id", "may hold only letters, digits, '_' and '-' (at most 64)")
            .Require(command.TenantId is null || !command.TenantId.StartsWith('_'), "tenant_id", "may not start with '_'");
        if (command.AdminEmail is not null && !command.AdminEmail.Contains('@')) validation.Add("admin.email", "must be an email address");
        validation.ThrowIfInvalid();

        var tenantId = new TenantId(command.TenantId ?? Ids.New("ten", 12));
        var now = time.GetUtcNow();
        var plan = command.Plan ?? "free";
        var team = new Team(Ids.New("team", 12), tenantId, "Default", now);
        var tenant = new Tenant(tenantId.Value, tenantId, command.Name!.Trim(), plan, command.Contact, team.Id, now);
        var admin = new User(Ids.New("usr", 12), tenantId, command.AdminEmail!.Trim(), command.AdminName, Role.Admin, [team.Id], false, now);
        var token = ApiKeyToken.Issue(tenantId);
        var key = new ApiKey(token.KeyId, tenantId, admin.Id, "bootstrap", token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), null, now, null, null);

        // The directory entry claims the id first: a duplicate tenant id fails here, before the tenant partition is touched.
        var platform = store.For(TenantId.Platform);
        await platform.CreateAsync(new TenantDirectoryEntry(tenantId.Value, TenantId.Platform, tenant.Name, plan, now), cancellationToken).ConfigureAwait(false);
        var partition = store.For(tenantId);
        try
        {
            await partition.CommitAsync(
            [
                TypedDocuments.Write(DocumentWriteMode.Create, partition, tenant),
                TypedDocuments.Write(DocumentWriteMode.Create, partition, team),
                TypedDocuments.Write(DocumentWriteMode.Create, partition, admin),
                TypedDocuments.Write(DocumentWriteMode.Create, partition, key),
            ], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await platform.DeleteAsync<TenantDirectoryEntry>(tenantId.Value, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        logger.LogInformation("Tenant {TenantId} created on plan {Plan} with admin {UserId}", tenantId.Value, plan, admin.Id);
        return new TenantCreated(tenant, admin, key, token.ToString());
    }

    public async Task<ListPage<TenantDirectoryEntry>> ListTenantsAsync(ListRequest request, CancellationToken cancellationToken = default) =>
        (await ListCursor.ReadAsync<TenantDirectoryEntry>(store.For(TenantId.Platform), "tenants", request, newestFirst: false, cancellationToken).ConfigureAwait(false))
            .Select(v => v.Value);

    public async Task<Tenant> GetTenantAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        (await store.For(tenant).GetAsync<Tenant>(tenant.Value, cancellationToken).ConfigureAwait(false))?.Value
        ?? throw new NotFoundException("Tenant");

    public async Task<Tenant> SetPlanAsync(TenantId tenantId, string? plan, CancellationToken cancellationToken = default)
    {
        new Validation().Require(plan is not null && Plans.Contains(plan), "plan", $"must be one of: {string.Join(", ", Plans)}").ThrowIfInvalid();
        var partition = store.For(tenantId);
        var current = await partition.GetAsync<Tenant>(tenantId.Value, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("Tenant");
        var updated = current.Value with { Plan = plan! };
        await partition.ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        var platform = store.For(TenantId.Platform);
        var entry = await platform.GetAsync<TenantDirectoryEntry>(tenantId.Value, cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            await platform.ReplaceAsync(entry.Value with { Plan = plan! }, null, cancellationToken).ConfigureAwait(false);
        }
        logger.LogInformation("Tenant {TenantId} moved to plan {Plan}", tenantId.Value, plan);
        return updated;
    }

    public async Task<ListPage<Team>> ListTeamsAsync(Caller caller, ListRequest request, CancellationToken cancellationToken = default) =>
        (await ListCursor.ReadAsync<Team>(store.For(caller.Tenant), "teams", request, newestFirst: false, cancellationToken).ConfigureAwait(false)).Select(v => v.Value);

    public async Task<Team> CreateTeamAsync(Caller caller, string? name, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageUsers);
        new Validation().RequireName(name, "name", 200).ThrowIfInvalid();
        var team = new Team(Ids.New("team", 12), caller.Tenant, name!.Trim(), time.GetUtcNow());
        await store.For(caller.Tenant).CreateAsync(team, cancellationToken).ConfigureAwait(false);
        return team;
    }

    public async Task<User> CreateUserAsync(Caller caller, CreateUserCommand command, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageUsers);
        var partition = store.For(caller.Tenant);
        var validation = new Validation().RequireName(command.Email, "email", 320).OptionalName(command.DisplayName, "display_name", 200);
        if (command.Email is not null && !command.Email.Contains('@')) validation.Add("email", "must be an email address");
        var teams = await ResolveTeamsAsync(partition, command.TeamIds, validation, cancellationToken).ConfigureAwait(false);
        validation.ThrowIfInvalid();

        var email = command.Email!.Trim();
        var existing = await partition.ListAsync<User>(cancellationToken, new FieldEquals("email", email)).ConfigureAwait(false);
        if (existing.Count > 0) throw new ConflictException($"A user with email '{email}' exists already.");

        var user = new User(Ids.New("usr", 12), caller.Tenant, email, command.DisplayName, command.Role ?? Role.Viewer, teams, false, time.GetUtcNow());
        await partition.CreateAsync(user, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("User {UserId} created in tenant {TenantId} with role {Role}", user.Id, caller.Tenant.Value, user.Role);
        return user;
    }

    public async Task<ListPage<User>> ListUsersAsync(Caller caller, ListRequest request, CancellationToken cancellationToken = default) =>
        (await ListCursor.ReadAsync<User>(store.For(caller.Tenant), "users", request, newestFirst: false, cancellationToken).ConfigureAwait(false)).Select(u => u.Value);

    public async Task<User> GetUserAsync(Caller caller, string userId, CancellationToken cancellationToken = default) =>
        (await store.For(caller.Tenant).GetAsync<User>(userId, cancellationToken).ConfigureAwait(false))?.Value
        ?? throw new NotFoundException("User");

    public async Task<User> UpdateUserAsync(Caller caller, string userId, UpdateUserCommand command, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageUsers);
        var partition = store.For(caller.Tenant);
        var current = await partition.GetAsync<User>(userId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("User");
        var validation = new Validation();
        var teams = command.TeamIds is null ? current.Value.TeamIds : await ResolveTeamsAsync(partition, command.TeamIds, validation, cancellationToken).ConfigureAwait(false);
        if (userId == caller.UserId && (command.Role is { } r && r != Role.Admin || command.Disabled == true))
        {
            validation.Add(command.Role is not null ? "role" : "disabled", "an admin cannot demote or disable themself");
        }
        validation.ThrowIfInvalid();
        var updated = current.Value with
        {
            DisplayName = command.DisplayName ?? current.Value.DisplayName,
            Role = command.Role ?? current.Value.Role,
            Disabled = command.Disabled ?? current.Value.Disabled,
            TeamIds = teams,
        };
        await partition.ReplaceAsync(updated, current.ETag, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    private static async Task<IReadOnlyList<string>> ResolveTeamsAsync(ITenantDocuments partition, IReadOnlyList<string>? requested, Validation validation, CancellationToken cancellationToken)
    {
        if (requested is null || requested.Count == 0)
        {
            var tenant = await partition.GetAsync<Tenant>(partition.Tenant.Value, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("Tenant");
            return [tenant.Value.DefaultTeamId];
        }
        foreach (var teamId in requested.Distinct())
        {
            if (!Ids.LooksValid(teamId) || await partition.GetAsync<Team>(teamId, cancellationToken).ConfigureAwait(false) is null)
            {
                validation.Add("team_ids", $"team '{teamId}' does not exist");
            }
        }
        return requested.Distinct().ToList();
    }
}

public sealed record CreateTenantCommand(string? Name, string? Plan, TenantContact? Contact, string? AdminEmail, string? AdminName, string? TenantId = null);

public sealed record TenantCreated(Tenant Tenant, User Admin, ApiKey AdminKey, string AdminKeyText);

public sealed record CreateUserCommand(string? Email, string? DisplayName, Role? Role, IReadOnlyList<string>? TeamIds);

public sealed record UpdateUserCommand(string? DisplayName, Role? Role, bool? Disabled, IReadOnlyList<string>? TeamIds);
