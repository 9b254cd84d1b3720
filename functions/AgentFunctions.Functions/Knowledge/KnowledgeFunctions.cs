using AgentFunctions.Api.Knowledge;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Knowledge;

/// <summary>The knowledge routes as Azure Functions: each one hands the request to the handler the local host maps too.</summary>
public sealed class KnowledgeFunctions(KnowledgeApi api)
{
    [Function(nameof(CreateKnowledgeBase))]
    public Task<IResult> CreateKnowledgeBase([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/knowledge-bases")] HttpRequest req) =>
        api.Create(req.HttpContext);

    [Function(nameof(ListKnowledgeBases))]
    public Task<IResult> ListKnowledgeBases([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/knowledge-bases")] HttpRequest req) =>
        api.List(req.HttpContext);

    [Function(nameof(GetKnowledgeBase))]
    public Task<IResult> GetKnowledgeBase([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/knowledge-bases/{knowledgeBaseId}")] HttpRequest req, string knowledgeBaseId) =>
        api.Get(req.HttpContext, knowledgeBaseId);

    [Function(nameof(DeleteKnowledgeBase))]
    public Task<IResult> DeleteKnowledgeBase([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/knowledge-bases/{knowledgeBaseId}")] HttpRequest req, string knowledgeBaseId) =>
        api.Delete(req.HttpContext, knowledgeBaseId);

    [Function(nameof(UploadDocument))]
    public Task<IResult> UploadDocument([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/knowledge-bases/{knowledgeBaseId}/documents")] HttpRequest req, string knowledgeBaseId) =>
        api.Upload(req.HttpContext, knowledgeBaseId);

    [Function(nameof(ListDocuments))]
    public Task<IResult> ListDocuments([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/knowledge-bases/{knowledgeBaseId}/documents")] HttpRequest req, string knowledgeBaseId) =>
        api.ListDocuments(req.HttpContext, knowledgeBaseId);

    [Function(nameof(GetDocument))]
    public Task<IResult> GetDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}")] HttpRequest req,
        string knowledgeBaseId, string documentId) =>
        api.GetDocument(req.HttpContext, knowledgeBaseId, documentId);

    [Function(nameof(ReplaceDocument))]
    public Task<IResult> ReplaceDocument([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}")] HttpRequest req,
        string knowledgeBaseId, string documentId) =>
        api.ReplaceDocument(req.HttpContext, knowledgeBaseId, documentId);

    [Function(nameof(DeleteDocument))]
    public Task<IResult> DeleteDocument([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}")] HttpRequest req,
        string knowledgeBaseId, string documentId) =>
        api.DeleteDocument(req.HttpContext, knowledgeBaseId, documentId);

    [Function(nameof(QueryKnowledgeBase))]
    public Task<IResult> QueryKnowledgeBase([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/knowledge-bases/{knowledgeBaseId}/query")] HttpRequest req, string knowledgeBaseId) =>
        api.Query(req.HttpContext, knowledgeBaseId);

    [Function(nameof(QueryAgentKnowledge))]
    public Task<IResult> QueryAgentKnowledge([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/agents/{agentId}/knowledge/query")] HttpRequest req, string agentId) =>
        api.QueryAgent(req.HttpContext, agentId);
}
