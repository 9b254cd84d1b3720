namespace AgentFunctions.Engine.Tools;

/// <summary>What kind of network an address belongs to, as far as the tool guard cares.</summary>
public enum AddressCategory
{
    Public,
    Loopback,
    Private,
    SharedAddressSpace,
    LinkLocal,
    UniqueLocal,
    Metadata,
    Unspecified,
    Multicast,
    Broadcast,
    Reserved,
    Documentation,
    Tunnel,
}
