using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Access;

/// <summary>
/// The hash of the platform key, kept in the platform partition. Locally it is generated on first start;
/// in Azure it is seeded from the app setting (a Key Vault reference) at start-up.
/// </summary>
public sealed record PlatformKey(string Id, TenantId TenantId, string SecretHash, DateTimeOffset CreatedAt) : IDocument
{
    public const string SingletonId = "platform_key";

    public static string Kind => "platform_key";
}
