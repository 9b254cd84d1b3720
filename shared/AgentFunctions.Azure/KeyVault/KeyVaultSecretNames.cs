using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Credentials;

namespace AgentFunctions.Azure.KeyVault;

/// <summary>
/// Key Vault secret names for credentials. Names allow only [0-9a-zA-Z-], at most 127 characters, and compare
/// case-insensitively, while tenant ids are case-sensitive [A-Za-z0-9_-]{1,64}. So the tenant is written with a
/// lower-case, prefix-free escape code (<c>a-z0-9</c> as is, <c>-x</c> for upper-case X, <c>-0</c> for '_', <c>-1</c> for '-'),
/// then the separator <c>--</c> (which no escape produces), then the credential's random part:
/// <c>cred-ten-0acme--5k2m...</c>. A tenant whose escaped form would not fit is packed 6 bits per character into
/// base32 instead, under the prefix <c>credb-</c>. Both forms decode back (<see cref="TryParse"/>), which is the proof
/// that two tenants or two credentials never share a name.
/// </summary>
public static class KeyVaultSecretNames
{
    public const int MaxNameLength = 127;
    private const string EscapedPrefix = "cred-";
    private const string PackedPrefix = "credb-";
    private const string Separator = "--";
    private const string TenantAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    private const string Base32 = "0123456789abcdefghijklmnopqrstuv";

    public static string For(TenantId tenant, string credentialId)
    {
        if (!Credential.IsWellFormedId(credentialId))
        {
            throw new ArgumentException("Not a credential id this platform issues.", nameof(credentialId));
        }
        var random = credentialId[(Credential.IdPrefix.Length + 1)..];
        var escaped = Escape(tenant.Value);
        var name = EscapedPrefix + escaped + Separator + random;
        return name.Length <= MaxNameLength ? name : PackedPrefix + Pack(tenant.Value) + Separator + random;
    }

    public static bool TryParse(string name, out TenantId tenant, out string credentialId)
    {
        tenant = default;
        credentialId = string.Empty;
        var cut = name.LastIndexOf(Separator, StringComparison.Ordinal);
        if (cut < 0) return false;
        var random = name[(cut + Separator.Length)..];
        credentialId = Credential.IdPrefix + "_" + random;
        string? tenantText = name.StartsWith(PackedPrefix, StringComparison.Ordinal) ? Unpack(name[PackedPrefix.Length..cut])
            : name.StartsWith(EscapedPrefix, StringComparison.Ordinal) ? Unescape(name[EscapedPrefix.Length..cut])
            : null;
        return tenantText is not null && Credential.IsWellFormedId(credentialId) && TenantId.TryParse(tenantText, out tenant);
    }

    private static string Escape(string tenant)
    {
        var builder = new StringBuilder(tenant.Length * 2);
        foreach (var c in tenant)
        {
            switch (c)
            {
                case >= 'a' and <= 'z' or >= '0' and <= '9': builder.Append(c); break;
                case >= 'A' and <= 'Z': builder.Append('-').Append(char.ToLowerInvariant(c)); break;
                case '_': builder.Append("-0"); break;
                case '-': builder.Append("-1"); break;
                default: throw new ArgumentException("Tenant ids hold only [A-Za-z0-9_-].", nameof(tenant));
            }
        }
        return builder.ToString();
    }

    private static string? Unescape(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '-') { builder.Append(c); continue; }
            if (++i >= text.Length) return null;
            var next = text[i];
            builder.Append(next switch
            {
                '0' => '_',
                '1' => '-',
                >= 'a' and <= 'z' => char.ToUpperInvariant(next),
                _ => '\0',
            });
            if (builder[^1] == '\0') return null;
        }
        return builder.ToString();
    }

    // 64 tenant characters = 6 bits each; base32 = 5 bits per name character. ceil(6n/5) grows strictly with n,
    // so the name length alone recovers n and the packing is injective.
    private static string Pack(string tenant)
    {
        var builder = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var c in tenant)
        {
            buffer = (buffer << 6) | TenantAlphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 6;
            while (bits >= 5)
            {
                bits -= 5;
                builder.Append(Base32[(buffer >> bits) & 31]);
            }
        }
        if (bits > 0) builder.Append(Base32[(buffer << (5 - bits)) & 31]);
        return builder.ToString();
    }

    private static string? Unpack(string text)
    {
        var count = text.Length * 5 / 6;
        var builder = new StringBuilder(count);
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            var value = Base32.IndexOf(c, StringComparison.Ordinal);
            if (value < 0) return null;
            buffer = ((buffer << 5) | value) & 0xFFFF;
            bits += 5;
            if (bits >= 6 && builder.Length < count)
            {
                bits -= 6;
                builder.Append(TenantAlphabet[(buffer >> bits) & 63]);
            }
        }
        return builder.Length == count ? builder.ToString() : null;
    }
}
