using System.Net;
using System.Net.Sockets;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Decides whether an outgoing tool connection may reach an address. Checked on the resolved IP right before the
/// socket connects, so a DNS name that resolves (or re-resolves) to an internal address is refused too.
/// </summary>
public static class NetworkGuard
{
    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>
    /// Returns why a connection to <paramref name="host"/> at <paramref name="address"/> is refused, or null when it may
    /// be made. Loopback, private, CGNAT, ULA and link-local addresses are reachable only when the platform's
    /// <paramref name="privateHosts"/> lists the host or the address; cloud metadata, the Azure host address,
    /// unspecified, multicast, broadcast, documentation (TEST-NET), tunnel (Teredo, local NAT64) and reserved
    /// addresses never are, whatever the setting says.
    /// </summary>
    public static string? Refusal(IPAddress address, string host, PrivateNetworkAllowlist privateHosts)
    {
        var category = Classify(address);
        return category switch
        {
            AddressCategory.Public => null,
            AddressCategory.Loopback or AddressCategory.Private or AddressCategory.LinkLocal or AddressCategory.SharedAddressSpace
                or AddressCategory.UniqueLocal => privateHosts.Allows(host, address)
                    ? null
                    : DescribeCategory(category) + " (the platform setting " + PrivateNetworkAllowlist.SettingName + " does not list it)",
            _ => DescribeCategory(category),
        };
    }

    public static AddressCategory Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return ClassifyV6(address);
        }
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return AddressCategory.Reserved;
        }
        return ClassifyV4(address.GetAddressBytes());
    }

    private static AddressCategory ClassifyV4(byte[] b)
    {
        if (b[0] == 169 && b[1] == 254 && b[2] == 169 && b[3] == 254) return AddressCategory.Metadata;
        if (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200) return AddressCategory.Metadata; // Alibaba Cloud
        if (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16) return AddressCategory.Metadata;    // Azure host (WireServer)
        if (b[0] == 0) return AddressCategory.Unspecified;                                                 // 0.0.0.0/8 "this network"
        if (b[0] == 127) return AddressCategory.Loopback;
        if (b[0] == 10) return AddressCategory.Private;
        if (b[0] == 172 && (b[1] & 0xF0) == 16) return AddressCategory.Private;                           // 172.16.0.0/12
        if (b[0] == 192 && b[1] == 168) return AddressCategory.Private;
        if (b[0] == 100 && (b[1] & 0xC0) == 64) return AddressCategory.SharedAddressSpace;                // 100.64.0.0/10 (CGNAT)
        if (b[0] == 169 && b[1] == 254) return AddressCategory.LinkLocal;
        if (b[0] >= 224 && b[0] <= 239) return AddressCategory.Multicast;
        if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) return AddressCategory.Broadcast;
        if (b[0] >= 240) return AddressCategory.Reserved;                                                 // 240.0.0.0/4
        if (b[0] == 192 && b[1] == 0 && b[2] == 0) return AddressCategory.Reserved;                       // 192.0.0.0/24 (IETF protocol)
        if (b[0] == 198 && (b[1] & 0xFE) == 18) return AddressCategory.Reserved;                          // 198.18.0.0/15 (benchmarking)
        if ((b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113))
        {
            return AddressCategory.Documentation;                                                         // TEST-NET-1/2/3
        }
        return AddressCategory.Public;
    }

    private static AddressCategory ClassifyV6(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            // ::ffff:a.b.c.d reaches the IPv4 host on dual-stack sockets: judge it as that host.
            return ClassifyV4(address.MapToIPv4().GetAddressBytes());
        }
        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Any)) return AddressCategory.Unspecified;
        if (address.Equals(IPAddress.IPv6Loopback)) return AddressCategory.Loopback;
        if (address.Equals(AwsMetadataV6))
        {
            return AddressCategory.Metadata;                                                                // fd00:ec2::254 (AWS IMDS over IPv6)
        }
        if (b[0] == 0xff) return AddressCategory.Multicast;                                               // ff00::/8
        if (b[0] == 0xfe && (b[1] & 0xC0) == 0x80) return AddressCategory.LinkLocal;                      // fe80::/10
        if (b[0] == 0xfe && (b[1] & 0xC0) == 0xC0) return AddressCategory.UniqueLocal;                    // fec0::/10 (old site-local)
        if ((b[0] & 0xFE) == 0xfc) return AddressCategory.UniqueLocal;                                    // fc00::/7
        if (IsZero(b, 0, 12))
        {
            return AddressCategory.Reserved;                                                              // ::/96 IPv4-compatible (deprecated)
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01)
        {
            return AddressCategory.Tunnel;                                                                // 64:ff9b:1::/48 local-use NAT64
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            return AddressCategory.Tunnel;                                                                // 2001::/32 Teredo
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && IsZero(b, 4, 12))
        {
            return EmbeddedV4(b, 12);                                                                     // 64:ff9b::/96 NAT64
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return EmbeddedV4(b, 2);                                                                      // 2002::/16 6to4
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressCategory.Documentation; // 2001:db8::/32
        return AddressCategory.Public;
    }

    private static AddressCategory EmbeddedV4(byte[] b, int offset)
    {
        var embedded = ClassifyV4([b[offset], b[offset + 1], b[offset + 2], b[offset + 3]]);
        return embedded == AddressCategory.Public ? AddressCategory.Public : embedded;
    }

    private static bool IsZero(byte[] b, int start, int endExclusive)
    {
        for (var i = start; i < endExclusive; i++)
        {
            if (b[i] != 0) return false;
        }
        return true;
    }

    private static string DescribeCategory(AddressCategory category) => category switch
    {
        AddressCategory.Loopback => "loopback address",
        AddressCategory.Private => "private network address",
        AddressCategory.SharedAddressSpace => "shared (CGNAT) address",
        AddressCategory.LinkLocal => "link-local address",
        AddressCategory.UniqueLocal => "unique-local IPv6 address",
        AddressCategory.Metadata => "cloud metadata or platform host address",
        AddressCategory.Documentation => "documentation (TEST-NET) address",
        AddressCategory.Tunnel => "tunnel (Teredo or local NAT64) address",
        AddressCategory.Unspecified => "unspecified address",
        AddressCategory.Multicast => "multicast address",
        AddressCategory.Broadcast => "broadcast address",
        _ => "reserved address",
    };
}
