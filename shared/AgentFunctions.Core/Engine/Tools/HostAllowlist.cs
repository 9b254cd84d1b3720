namespace AgentFunctions.Engine.Tools;

/// <summary>
/// A tool's allowed hosts: exact names (case-insensitive, IDN compared in punycode) or <c>*.example.com</c> for any
/// subdomain (not the apex). Checked on the final URL, after the template is filled.
/// </summary>
public static class HostAllowlist
{
    public static bool Allows(IReadOnlyList<string> allowedHosts, Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.');
        foreach (var entry in allowedHosts)
        {
            var allowed = entry.Trim().TrimEnd('.');
            if (allowed.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = allowed[1..];
                if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return true;
            }
            else if (string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase)
                     || string.Equals(uri.Host.Trim('[', ']'), allowed.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether a bare <paramref name="host"/> (as <see cref="Uri.IdnHost"/> gives it; IPv6 with or without brackets) is
    /// on the list, with the same rules as <see cref="Allows(IReadOnlyList{string}, Uri)"/>.
    /// </summary>
    public static bool AllowsHost(IReadOnlyList<string> allowedHosts, string? host)
    {
        if (string.IsNullOrWhiteSpace(host)) return false;
        var bare = host.Trim().TrimEnd('.').Trim('[', ']');
        foreach (var entry in allowedHosts)
        {
            var allowed = entry.Trim().TrimEnd('.');
            if (allowed.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = allowed[1..];
                if (bare.Length > suffix.Length && bare.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return true;
            }
            else if (string.Equals(bare, allowed.Trim('[', ']'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>An allowlist entry: a DNS name, <c>*.</c> + a DNS name, or an IP literal (IPv6 optionally bracketed).</summary>
    public static bool IsValidEntry(string entry)
    {
        var trimmed = entry.Trim().TrimEnd('.');
        if (trimmed.Length is 0 or > 253) return false;
        if (trimmed.StartsWith("*.", StringComparison.Ordinal)) return Uri.CheckHostName(trimmed[2..]) == UriHostNameType.Dns;
        var bare = trimmed.StartsWith('[') && trimmed.EndsWith(']') ? trimmed[1..^1] : trimmed;
        return Uri.CheckHostName(bare) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6;
    }

    /// <summary>Absolute http(s) URL with no user-info: the only shape a tool may call.</summary>
    public static bool IsCallable(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(uri.UserInfo);
}
