using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Access;

/// <summary>
/// Issues, lists and revokes API keys. A user may manage their own keys; an admin (manage keys) anyone's in the tenant.
/// The key text is returned once, at creation; only its hash is kept.
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
        var validation = new Validation().RequireText(command.Name, "name", 100);
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

        var token = ApiKeyToken.Issue(caller.Tenant);
        var key = new ApiKey(token.KeyId, caller.Tenant, userId, command.Name!.Trim(), token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), command.Role, now, command.ExpiresAt, null);
        await partition.CreateAsync(key, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("API key {KeyId} issued for user {UserId} by {CallerId}", key.Id, userId, caller.UserId);
        return (key, token.ToString());
    }

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
