using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Access;

/// <summary>
/// Issues, lists and revokes API keys. A user may manage their own keys; an admin (manage keys) anyone's in the tenant.
/// The key text is returned once, at creation; only its hash is kept. A key never exceeds the key that creates it: its
/// effective role is at most the caller's (a key without a role gets the caller's when that is lower than its user's),
/// and it expires no later than the caller's key (without <c>expires_at</c> it gets the caller's expiry). Asking for
/// more is a 403; asking for more than the key's user has is a 400.
/// </summary>
public sealed class ApiKeyService(IDocumentStore store, TimeProvider time, ILogger<ApiKeyService> logger)
{
    public async Task<(ApiKey Key, string Text)> CreateAsync(Caller caller, CreateApiKeyCommand command, CancellationToken cancellationToken = default)
    {
        var partition = store.For(caller.Tenant);
        var userId = command.UserId ?? caller.UserId;
        if (userId != caller.UserId)
        {
            caller.Demand(Permission.ManageKeys);
        }
        var validation = new Validation().RequireName(command.Name, "name", 100);
        var now = time.GetUtcNow();
        if (command.ExpiresAt is { } expires && expires <= now) validation.Add("expires_at", "must be in the future");
        var user = Ids.LooksValid(userId) ? await partition.GetAsync<User>(userId, cancellationToken).ConfigureAwait(false) : null;
        if (user is null)
        {
            throw new NotFoundException("User");
        }
        if (command.Role is { } role && role > user.Value.Role)
        {
            validation.Add("role", $"may not exceed the user's role '{user.Value.Role.ToString().ToLowerInvariant()}'");
        }
        validation.ThrowIfInvalid();
        var (keyRole, expiresAt) = BoundedByCaller(caller, user.Value.Role, command.Role, command.ExpiresAt);

        var token = ApiKeyToken.Issue(caller.Tenant);
        var key = new ApiKey(token.KeyId, caller.Tenant, userId, command.Name!.Trim(), token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), keyRole, now, expiresAt, null);
        await partition.CreateAsync(key, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("API key {KeyId} issued for user {UserId} by {CallerId}", key.Id, userId, caller.UserId);
        return (key, token.ToString());
    }

    /// <summary>
    /// The role and expiry the new key gets so it never exceeds the caller's key: a role above the caller's effective
    /// role, or an expiry after the caller's (or none when the caller's key expires), is refused; when left out, each
    /// defaults to the caller's bound.
    /// </summary>
    internal static (Role? Role, DateTimeOffset? ExpiresAt) BoundedByCaller(Caller caller, Role userRole, Role? requestedRole, DateTimeOffset? requestedExpiry)
    {
        var effective = requestedRole is { } requested && requested < userRole ? requested : userRole;
        if (effective > caller.Role)
        {
            if (requestedRole is not null)
            {
                throw new ForbiddenException($"A key may not exceed the key that creates it: this key acts as '{Name(caller.Role)}', so it cannot issue a key acting as '{Name(effective)}'.");
            }
            // Left out: the new key takes the caller's own (lower) role instead of its user's full one.
            requestedRole = caller.Role;
        }
        else if (requestedRole is null && caller.KeyRole is not null)
        {
            // A narrowed caller's key is pinned to its role, so raising the user later cannot widen it past its creator.
            requestedRole = effective;
        }
        var expiresAt = requestedExpiry;
        if (caller.KeyExpiresAt is { } callerExpiry)
        {
            if (requestedExpiry is null)
            {
                expiresAt = callerExpiry;
            }
            else if (requestedExpiry > callerExpiry)
            {
                throw new ForbiddenException($"A key may not outlive the key that creates it: expires_at must be at or before {callerExpiry:O}.");
            }
        }
        return (requestedRole, expiresAt);
    }

    private static string Name(Role role) => role.ToString().ToLowerInvariant();

    public async Task<ListPage<ApiKey>> ListAsync(Caller caller, string? userId, ListRequest request, CancellationToken cancellationToken = default)
    {
        var partition = store.For(caller.Tenant);
        if (!caller.Can(Permission.ManageKeys))
        {
            userId = caller.UserId;
        }
        var page = userId is null
            ? await ListCursor.ReadAsync<ApiKey>(partition, "keys", request, newestFirst: false, cancellationToken).ConfigureAwait(false)
            : await ListCursor.ReadAsync<ApiKey>(partition, $"keys:{userId}", request, newestFirst: false, cancellationToken, new FieldEquals("user_id", userId)).ConfigureAwait(false);
        return page.Select(k => k.Value);
    }

    public async Task<ApiKey> RevokeAsync(Caller caller, string keyId, CancellationToken cancellationToken = default)
    {
        var partition = store.For(caller.Tenant);
        var key = await partition.GetAsync<ApiKey>(keyId, cancellationToken).ConfigureAwait(false);
        if (key is null || (key.Value.UserId != caller.UserId && !caller.Can(Permission.ManageKeys)))
        {
            throw new NotFoundException("API key");
        }
        if (key.Value.RevokedAt is not null) return key.Value;
        var revoked = key.Value with { RevokedAt = time.GetUtcNow() };
        await partition.ReplaceAsync(revoked, key.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("API key {KeyId} revoked by {CallerId}", keyId, caller.UserId);
        return revoked;
    }
}

public sealed record CreateApiKeyCommand(string? Name, string? UserId, Role? Role, DateTimeOffset? ExpiresAt);
