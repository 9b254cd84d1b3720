using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;

namespace AgentFunctions.Access;

/// <summary>
/// The text of an API key: <c>afk.{tenantId}.{keyId}.{secret}</c>. The tenant and key id make the lookup one point read
/// in the tenant's partition; only the SHA-256 of the secret is stored. Platform keys are <c>afp.{secret}</c>.
/// </summary>
public readonly record struct ApiKeyToken(TenantId Tenant, string KeyId, string Secret)
{
    public const string TenantPrefix = "afk";
    public const string PlatformPrefix = "afp";

    public override string ToString() => $"{TenantPrefix}.{Tenant.Value}.{KeyId}.{Secret}";

    /// <summary>What lists show: enough to recognise a key, nothing to use it.</summary>
    public string DisplayPrefix => $"{TenantPrefix}.{Tenant.Value}.{KeyId}.{Secret[..4]}";

    public static ApiKeyToken Issue(TenantId tenant) =>
        new(tenant, Ids.New("key", 16), NewSecret());

    public static bool TryParse(string? text, out ApiKeyToken token)
    {
        token = default;
        if (string.IsNullOrEmpty(text) || text.Length > 256) return false;
        var parts = text.Split('.');
        if (parts.Length != 4 || parts[0] != TenantPrefix) return false;
        if (!TenantId.TryParse(parts[1], out var tenant) || !Ids.LooksValid(parts[2]) || parts[3].Length < 16) return false;
        token = new ApiKeyToken(tenant, parts[2], parts[3]);
        return true;
    }

    public static string NewSecret()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static string Hash(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash);
    }

    public static bool HashMatches(string secret, string storedHash)
    {
        var computed = Hash(secret);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(storedHash));
    }
}
