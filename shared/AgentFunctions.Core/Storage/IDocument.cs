using AgentFunctions.Common;

namespace AgentFunctions.Storage;

/// <summary>
/// A record kept in the document store. <see cref="Kind"/> names its collection (Cosmos <c>type</c> field);
/// <see cref="TenantId"/> is its partition and must equal the tenant the store was opened for.
/// </summary>
public interface IDocument
{
    static abstract string Kind { get; }

    string Id { get; }

    TenantId TenantId { get; }
}
