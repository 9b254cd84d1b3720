using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Credentials;

/// <summary>
/// A credential's metadata, kept in the document store. The secret itself lives in the <see cref="ISecretVault"/>;
/// <see cref="SecretVersion"/> names the exact vault version this metadata version points at, so a lost rotation race
/// can never leave the metadata pointing at a secret it did not write. <see cref="UserId"/> null means a tenant credential.
/// <see cref="AllowedHosts"/> are the only hosts the secret may be sent to (exact names, IP literals or <c>*.example.com</c>),
/// checked by the engine at the moment of use whatever the tool says; none (or null, for records from before) means no tool may send it.
/// </summary>
public sealed record Credential(
    string Id,
    TenantId TenantId,
    string? UserId,
    IReadOnlyDictionary<string, string> Meta,
    int Version,
    string SecretVersion,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? RotatedAt,
    IReadOnlyList<string>? AllowedHosts = null) : IDocument
{
    public static string Kind => "credential";

    public const string IdPrefix = "cred";

    public const int IdRandomChars = 20;

    public bool IsPersonal => UserId is not null;

    public SecretLocator Locator => new(TenantId, Id, UserId);

    public static string NewId() => Ids.New(IdPrefix, IdRandomChars);

    /// <summary>True for ids of the shape we issue (<c>cred_</c> + 20 of [0-9a-z]); anything else cannot name a credential.</summary>
    public static bool IsWellFormedId(string? id) =>
        id is { Length: 5 + IdRandomChars }
        && id.StartsWith(IdPrefix + "_", StringComparison.Ordinal)
        && id.AsSpan(5).IndexOfAnyExcept("0123456789abcdefghijklmnopqrstuvwxyz") < 0;
}
