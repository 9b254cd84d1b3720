using System.Net;
using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Tests.Tools;

public sealed class NetworkGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", AddressCategory.Loopback)]
    [InlineData("127.255.0.9", AddressCategory.Loopback)]
    [InlineData("::1", AddressCategory.Loopback)]
    [InlineData("10.0.0.1", AddressCategory.Private)]
    [InlineData("10.255.255.255", AddressCategory.Private)]
    [InlineData("172.16.0.1", AddressCategory.Private)]
    [InlineData("172.31.255.254", AddressCategory.Private)]
    [InlineData("192.168.1.1", AddressCategory.Private)]
    [InlineData("100.64.0.1", AddressCategory.SharedAddressSpace)]
    [InlineData("100.127.255.254", AddressCategory.SharedAddressSpace)]
    [InlineData("169.254.1.1", AddressCategory.LinkLocal)]
    [InlineData("fe80::1", AddressCategory.LinkLocal)]
    [InlineData("fc00::1", AddressCategory.UniqueLocal)]
    [InlineData("fd12:3456::1", AddressCategory.UniqueLocal)]
    [InlineData("169.254.169.254", AddressCategory.Metadata)]
    [InlineData("fd00:ec2::254", AddressCategory.Metadata)]
    [InlineData("0.0.0.0", AddressCategory.Unspecified)]
    [InlineData("::", AddressCategory.Unspecified)]
    [InlineData("224.0.0.1", AddressCategory.Multicast)]
    [InlineData("239.255.255.250", AddressCategory.Multicast)]
    [InlineData("ff02::1", AddressCategory.Multicast)]
    [InlineData("255.255.255.255", AddressCategory.Broadcast)]
    [InlineData("240.0.0.1", AddressCategory.Reserved)]
    [InlineData("::ffff:127.0.0.1", AddressCategory.Loopback)]
    [InlineData("::ffff:10.1.2.3", AddressCategory.Private)]
    [InlineData("::ffff:169.254.169.254", AddressCategory.Metadata)]
    [InlineData("64:ff9b::a00:1", AddressCategory.Private)]
    [InlineData("2002:c0a8:0101::1", AddressCategory.Private)]
    [InlineData("8.8.8.8", AddressCategory.Public)]
    [InlineData("172.32.0.1", AddressCategory.Public)]
    [InlineData("100.128.0.1", AddressCategory.Public)]
    [InlineData("2606:4700:4700::1111", AddressCategory.Public)]
    [InlineData("::ffff:8.8.8.8", AddressCategory.Public)]
    public void Classify_Address_GivesItsRange(string address, AddressCategory expected)
    {
        Assert.Equal(expected, NetworkGuard.Classify(IPAddress.Parse(address)));
    }

    private static readonly PrivateNetworkAllowlist Everything = new(["0.0.0.0/0", "::/0"]);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.10.10")]
    [InlineData("fe80::1")]
    [InlineData("fd12::1")]
    [InlineData("::ffff:192.168.0.1")]
    public void Refusal_PrivateRange_RefusedUnlessThePlatformListsIt(string address)
    {
        var ip = IPAddress.Parse(address);
        var asListed = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : address;
        Assert.NotNull(NetworkGuard.Refusal(ip, "svc.internal", PrivateNetworkAllowlist.None));
        Assert.Null(NetworkGuard.Refusal(ip, "svc.internal", new PrivateNetworkAllowlist([asListed])));
        Assert.Null(NetworkGuard.Refusal(ip, "svc.internal", new PrivateNetworkAllowlist(["svc.internal"])));
        Assert.Null(NetworkGuard.Refusal(ip, "svc.internal", Everything));
        Assert.NotNull(NetworkGuard.Refusal(ip, "other.internal", new PrivateNetworkAllowlist(["svc.internal"])));
    }

    [Theory]
    [InlineData("10.20.30.40", "10.20.0.0/16", true)]
    [InlineData("10.21.0.1", "10.20.0.0/16", false)]
    [InlineData("::ffff:10.20.0.9", "10.20.0.0/16", true)]
    [InlineData("fd00:1::5", "fd00:1::/64", true)]
    [InlineData("fd00:2::5", "fd00:1::/64", false)]
    [InlineData("127.0.0.1", "[::1]", false)]
    [InlineData("::1", "[::1]", true)]
    public void Refusal_CidrEntries_CoverExactlyTheirRange(string address, string entry, bool allowed)
    {
        var refusal = NetworkGuard.Refusal(IPAddress.Parse(address), "svc.internal", new PrivateNetworkAllowlist([entry]));
        Assert.Equal(allowed, refusal is null);
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("100.100.100.200")]
    [InlineData("168.63.129.16")]
    [InlineData("::ffff:168.63.129.16")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("::")]
    [InlineData("224.0.0.251")]
    [InlineData("239.1.2.3")]
    [InlineData("ff02::fb")]
    [InlineData("255.255.255.255")]
    [InlineData("192.0.2.10")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.99")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("2001::1")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("64:ff9b:1:ffff::1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    public void Refusal_AlwaysRefusedRanges_RefusedWhateverTheSettingLists(string address)
    {
        var ip = IPAddress.Parse(address);
        Assert.NotNull(NetworkGuard.Refusal(ip, "anything.example", PrivateNetworkAllowlist.None));
        Assert.NotNull(NetworkGuard.Refusal(ip, "anything.example", Everything));
        Assert.NotNull(NetworkGuard.Refusal(ip, "anything.example", new PrivateNetworkAllowlist([address, "anything.example"])));
    }

    [Theory]
    [InlineData("168.63.129.16", AddressCategory.Metadata)]
    [InlineData("100.100.100.200", AddressCategory.Metadata)]
    [InlineData("192.0.2.1", AddressCategory.Documentation)]
    [InlineData("198.51.100.1", AddressCategory.Documentation)]
    [InlineData("203.0.113.1", AddressCategory.Documentation)]
    [InlineData("2001:db8::1", AddressCategory.Documentation)]
    [InlineData("2001::1", AddressCategory.Tunnel)]
    [InlineData("64:ff9b:1::1", AddressCategory.Tunnel)]
    [InlineData("2001:4860::8888", AddressCategory.Public)]
    public void Classify_AddedRanges_GiveTheirCategory(string address, AddressCategory expected)
    {
        Assert.Equal(expected, NetworkGuard.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("not a host!")]
    [InlineData("10.0.0.0/x")]
    public void Allowlist_BadEntry_IsRefusedAtStart(string entry)
    {
        Assert.Throws<ArgumentException>(() => new PrivateNetworkAllowlist([entry]));
    }

    [Fact]
    public void Refusal_PublicAddress_Allowed()
    {
        Assert.Null(NetworkGuard.Refusal(IPAddress.Parse("93.184.216.34"), "example.com", PrivateNetworkAllowlist.None));
    }

    [Fact]
    public async Task ResolveChecked_NameWithOnePublicAndOnePrivateRecord_IsRefused()
    {
        var resolver = new FakeResolver();
        resolver.Map("mixed.example.test", "93.184.216.34", "10.0.0.8");

        var ex = await Assert.ThrowsAsync<BlockedDestinationException>(() =>
            GuardedHttpHandler.ResolveCheckedAsync(resolver, PrivateNetworkAllowlist.None, "mixed.example.test", CancellationToken.None));

        Assert.StartsWith("private network address", ex.Reason);
    }
}
