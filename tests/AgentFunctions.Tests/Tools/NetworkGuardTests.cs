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
    public void Refusal_PrivateRange_RefusedUnlessTenantAllowsPrivateNetwork(string address)
    {
        var ip = IPAddress.Parse(address);
        Assert.NotNull(NetworkGuard.Refusal(ip, allowPrivateNetwork: false));
        Assert.Null(NetworkGuard.Refusal(ip, allowPrivateNetwork: true));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.251")]
    [InlineData("ff02::fb")]
    [InlineData("255.255.255.255")]
    public void Refusal_MetadataUnspecifiedMulticast_RefusedEvenWithAllowPrivate(string address)
    {
        var ip = IPAddress.Parse(address);
        Assert.NotNull(NetworkGuard.Refusal(ip, allowPrivateNetwork: false));
        Assert.NotNull(NetworkGuard.Refusal(ip, allowPrivateNetwork: true));
    }

    [Fact]
    public void Refusal_PublicAddress_Allowed()
    {
        Assert.Null(NetworkGuard.Refusal(IPAddress.Parse("93.184.216.34"), allowPrivateNetwork: false));
    }

    [Fact]
    public async Task ResolveChecked_NameWithOnePublicAndOnePrivateRecord_IsRefused()
    {
        var resolver = new FakeResolver();
        resolver.Map("mixed.example.test", "93.184.216.34", "10.0.0.8");

        var ex = await Assert.ThrowsAsync<BlockedDestinationException>(() =>
            GuardedHttpHandler.ResolveCheckedAsync(resolver, allowPrivateNetwork: false, "mixed.example.test", CancellationToken.None));

        Assert.Equal("private network address", ex.Reason);
    }
}
