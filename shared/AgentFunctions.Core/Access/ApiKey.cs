using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Access;

/// <summary>
/// An API key. Only the SHA-256 of its secret part is stored; <see cref="Prefix"/> is what lists show.
/// The key acts as <see cref="UserId"/>, optionally narrowed to <see cref="Role"/>.
/// </summary>
public sealed record ApiKey(
    string Id,
    TenantId TenantId,
    string UserId,
    string Name,
    string Prefix,
    string SecretHash,
    Role? Role,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt) : IDocument
{
    public static string Kind => "api_key";
}
