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

    /// <summary>Absolute http(s) URL with no user-info: the only shape a tool may call.</summary>
    public static bool IsCallable(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(uri.UserInfo);
}
