using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Claims a file name in a knowledge base for one document. Its id is derived from the knowledge base and the name and
/// it is created in the same atomic commit as the document, so two documents can never share a name, and with it the
/// file at <see cref="KnowledgeFilePath"/>.
/// </summary>
public sealed record KnowledgeDocumentName(string Id, TenantId TenantId, string KnowledgeBaseId, string Name, string DocumentId) : IDocument
{
    public static string Kind => "document_name";

    public static string IdFor(string knowledgeBaseId, string name) =>
        "dn-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(knowledgeBaseId + "/" + name)))[..40];

    public static KnowledgeDocumentName For(KnowledgeDocument document) =>
        new(IdFor(document.KnowledgeBaseId, document.Name), document.TenantId, document.KnowledgeBaseId, document.Name, document.Id);
}
