using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Knowledge;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Knowledge;

public static class KnowledgeEndpoints
{
    /// <summary>
    /// The knowledge services both hosts share. Needs from the host's adapters: <see cref="IKnowledgeIndex"/>,
    /// <see cref="ITextEmbedder"/>, <see cref="IKnowledgeContent"/> and <see cref="IIngestionQueue"/> (locally AddLocalKnowledge).
    /// </summary>
    public static IServiceCollection AddKnowledgeFeature(this IServiceCollection services)
    {
        services.TryAddSingleton(new KnowledgeOptions());
        services.TryAddSingleton<KnowledgeSearch>();
        services.TryAddSingleton<KnowledgeService>();
        services.TryAddSingleton<KnowledgeIngestion>();
        services.TryAddSingleton<KnowledgeDrops>();
        services.TryAddSingleton<KnowledgeApi>();
        return services;
    }

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("v1/knowledge-bases", (HttpContext http, KnowledgeApi h) => h.Create(http)).WithName("CreateKnowledgeBase").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageKnowledge);
        api.MapGet("v1/knowledge-bases", (HttpContext http, KnowledgeApi h) => h.List(http)).WithName("ListKnowledgeBases").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/knowledge-bases/{knowledgeBaseId}", (HttpContext http, string knowledgeBaseId, KnowledgeApi h) => h.Get(http, knowledgeBaseId)).WithName("GetKnowledgeBase").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapDelete("v1/knowledge-bases/{knowledgeBaseId}", (HttpContext http, string knowledgeBaseId, KnowledgeApi h) => h.Delete(http, knowledgeBaseId)).WithName("DeleteKnowledgeBase").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageKnowledge);
        api.MapPost("v1/knowledge-bases/{knowledgeBaseId}/documents", (HttpContext http, string knowledgeBaseId, KnowledgeApi h) => h.Upload(http, knowledgeBaseId)).WithName("UploadDocument").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageKnowledge).DisableAntiforgery();
        api.MapGet("v1/knowledge-bases/{knowledgeBaseId}/documents", (HttpContext http, string knowledgeBaseId, KnowledgeApi h) => h.ListDocuments(http, knowledgeBaseId)).WithName("ListDocuments").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapGet("v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}", (HttpContext http, string knowledgeBaseId, string documentId, KnowledgeApi h) => h.GetDocument(http, knowledgeBaseId, documentId)).WithName("GetDocument").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPut("v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}", (HttpContext http, string knowledgeBaseId, string documentId, KnowledgeApi h) => h.ReplaceDocument(http, knowledgeBaseId, documentId)).WithName("ReplaceDocument").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageKnowledge).DisableAntiforgery();
        api.MapDelete("v1/knowledge-bases/{knowledgeBaseId}/documents/{documentId}", (HttpContext http, string knowledgeBaseId, string documentId, KnowledgeApi h) => h.DeleteDocument(http, knowledgeBaseId, documentId)).WithName("DeleteDocument").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ManageKnowledge);
        api.MapPost("v1/knowledge-bases/{knowledgeBaseId}/query", (HttpContext http, string knowledgeBaseId, KnowledgeApi h) => h.Query(http, knowledgeBaseId)).WithName("QueryKnowledgeBase").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        api.MapPost("v1/agents/{agentId}/knowledge/query", (HttpContext http, string agentId, KnowledgeApi h) => h.QueryAgent(http, agentId)).WithName("QueryAgentKnowledge").WithMetadata(AuthLevel.Anonymous).RequiresPermission(Permission.ViewAgents);
        return api;
    }
}
