using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Access;

/// <summary>
/// Resolves an API key with two point reads in the key's own tenant partition (key, then user). A key acts as its
/// user with the lower of the user's role and the key's own role, and stops working when either is revoked or disabled.
/// </summary>
public sealed class KeyAuthenticator(IDocumentStore store, TimeProvider time) : IAuthenticator
{
    public async ValueTask<Caller?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken = default)
    {
        if (presentedKey.StartsWith(ApiKeyToken.PlatformPrefix + ".", StringComparison.Ordinal))
        {
            return await AuthenticatePlatformAsync(presentedKey[(ApiKeyToken.PlatformPrefix.Length + 1)..], cancellationToken).ConfigureAwait(false);
        }
        if (!ApiKeyToken.TryParse(presentedKey, out var token))
        {
            return null;
        }

        var partition = store.For(token.Tenant);
        var key = await partition.GetAsync<ApiKey>(token.KeyId, cancellationToken).ConfigureAwait(false);
        if (key is null || !ApiKeyToken.HashMatches(token.Secret, key.Value.SecretHash))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (key.Value.RevokedAt is not null || (key.Value.ExpiresAt is { } expires && expires <= now))
        {
            return null;
        }
        var user = await partition.GetAsync<User>(key.Value.UserId, cancellationToken).ConfigureAwait(false);
        if (user is null || user.Value.Disabled)
        {
            return null;
        }
        var role = key.Value.Role is { } narrowed && narrowed < user.Value.Role ? narrowed : user.Value.Role;
        return new Caller(token.Tenant, user.Value.Id, role, key.Value.Id, user.Value.TeamIds, KeyRole: key.Value.Role, KeyExpiresAt: key.Value.ExpiresAt);
    }

    private async ValueTask<Caller?> AuthenticatePlatformAsync(string secret, CancellationToken cancellationToken)
    {
        var platformKey = await store.For(TenantId.Platform).GetAsync<PlatformKey>(PlatformKey.SingletonId, cancellationToken).ConfigureAwait(false);
        if (platformKey is null || !ApiKeyToken.HashMatches(secret, platformKey.Value.SecretHash))
        {
            return null;
        }
        return new Caller(TenantId.Platform, "platform", Role.Admin, PlatformKey.SingletonId, [], IsPlatform: true);
    }
}
