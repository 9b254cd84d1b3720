using System.Net;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// The private hosts tools may reach: the deployment's decision (<c>AgentFunctions:Network:AllowedPrivateHosts</c>), never
/// a tenant's. Entries are host names (the name a tool calls, whatever private address it resolves to), IP addresses, or
/// CIDR ranges (<c>10.20.0.0/16</c>, <c>fd00:1::/64</c>). Empty by default: no private address is reachable. Whatever
/// it lists, <see cref="NetworkGuard"/> still refuses cloud metadata, the Azure host address, multicast, unspecified,
/// documentation and tunnel ranges.
/// </summary>
public sealed class PrivateNetworkAllowlist
{
    public const string SettingName = "AgentFunctions:Network:AllowedPrivateHosts";

    public static readonly PrivateNetworkAllowlist None = new([]);

    private readonly HashSet<string> hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> networks = [];

    /// <exception cref="ArgumentException">An entry is neither a host name, an address nor a CIDR range.</exception>
    public PrivateNetworkAllowlist(IEnumerable<string> entries)
    {
        var kept = new List<string>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            var bare = entry.StartsWith('[') && entry.EndsWith(']') ? entry[1..^1] : entry;
            if (IPAddress.TryParse(bare, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (entry.Contains('/'))
            {
                if (!IPNetwork.TryParse(entry, out var network))
                {
                    throw new ArgumentException($"{SettingName}: '{entry}' is not a CIDR range (e.g. 10.20.0.0/16)", nameof(entries));
                }
                networks.Add(network);
            }
            else if (Uri.CheckHostName(entry.TrimEnd('.')) == UriHostNameType.Dns)
            {
                hosts.Add(entry.TrimEnd('.'));
            }
            else
            {
                throw new ArgumentException($"{SettingName}: '{entry}' is not a host name, an IP address or a CIDR range", nameof(entries));
            }
            kept.Add(entry);
        }
        Entries = kept;
    }

    /// <summary>The entries as configured, for the start-up log.</summary>
    public IReadOnlyList<string> Entries { get; }

    public bool IsEmpty => Entries.Count == 0;

    /// <summary>Whether a connection to <paramref name="host"/> may use the private <paramref name="address"/> it resolved to.</summary>
    public bool Allows(string host, IPAddress address)
    {
        if (hosts.Count > 0 && hosts.Contains(host.TrimEnd('.'))) return true;
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in networks)
        {
            if (network.Contains(candidate)) return true;
        }
        return false;
    }

    /// <summary>Reads the setting as a list (<c>AllowedPrivateHosts:0</c>, ...) or one comma-separated value.</summary>
    public static IReadOnlyList<string> ParseSetting(string? commaSeparated, IEnumerable<string?> listed)
    {
        var entries = listed.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e!).ToList();
        if (!string.IsNullOrWhiteSpace(commaSeparated))
        {
            entries.AddRange(commaSeparated.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return entries;
    }
}
