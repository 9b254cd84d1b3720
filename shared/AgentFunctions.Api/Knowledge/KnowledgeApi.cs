using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentFunctions.Api.Knowledge;

/// <summary>
/// Knowledge bases, documents and queries. An upload is the raw file as the body (its <c>content-type</c>, and
/// <c>?name=</c>) or <c>multipart/form-data</c> with a <c>file</c> part; it answers 202 with the document while ingestion runs.
/// </summary>
public sealed class KnowledgeApi(KnowledgeService knowledge, KnowledgeOptions options)
{
    private const int QueryBodyLimit = 64 * 1024;

    public Task<IResult> Create(HttpContext http) => ApiCall.RunAsync(http, Permission.ManageKnowledge, async caller =>
    {
        var input = await JsonBody.ReadAsync<KnowledgeBaseInput>(http.Request, cancellationToken: http.RequestAborted);
        var kb = await knowledge.CreateAsync(caller, input, http.RequestAborted);
        return ApiResults.Created(kb, $"/api/v1/knowledge-bases/{kb.Id}");
    });

    public Task<IResult> List(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await knowledge.ListAsync(caller, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> Get(HttpContext http, string knowledgeBaseId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await knowledge.GetAsync(caller, knowledgeBaseId, http.RequestAborted)));

    public Task<IResult> Delete(HttpContext http, string knowledgeBaseId) => ApiCall.RunAsync(http, Permission.ManageKnowledge, async caller =>
    {
        await knowledge.DeleteAsync(caller, knowledgeBaseId, http.RequestAborted);
        return ApiResults.NoContent();
    });

    public Task<IResult> Upload(HttpContext http, string knowledgeBaseId) => ApiCall.RunAsync(http, Permission.ManageKnowledge, async caller =>
    {
        // The knowledge base is looked up before the body is read: another tenant's id is a 404 whatever the body holds.
        await knowledge.GetAsync(caller, knowledgeBaseId, http.RequestAborted);
        var upload = await ReadUploadAsync(http.Request, requireName: true, http.RequestAborted);
        var document = await knowledge.UploadAsync(caller, knowledgeBaseId, upload.Name, upload.MediaType, upload.Content, http.RequestAborted);
        return ApiResults.Accepted(document, $"/api/v1/knowledge-bases/{knowledgeBaseId}/documents/{document.Id}");
    });

    public Task<IResult> ListDocuments(HttpContext http, string knowledgeBaseId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await knowledge.ListDocumentsAsync(caller, knowledgeBaseId, ListQuery.Read(http.Request), http.RequestAborted)));

    public Task<IResult> GetDocument(HttpContext http, string knowledgeBaseId, string documentId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        ApiResults.Ok(await knowledge.GetDocumentAsync(caller, knowledgeBaseId, documentId, http.RequestAborted)));

    public Task<IResult> ReplaceDocument(HttpContext http, string knowledgeBaseId, string documentId) => ApiCall.RunAsync(http, Permission.ManageKnowledge, async caller =>
    {
        await knowledge.GetDocumentAsync(caller, knowledgeBaseId, documentId, http.RequestAborted);
        var upload = await ReadUploadAsync(http.Request, requireName: false, http.RequestAborted);
        var (document, changed) = await knowledge.ReplaceAsync(caller, knowledgeBaseId, documentId, upload.Name, upload.MediaType, upload.Content, http.RequestAborted);
        var location = $"/api/v1/knowledge-bases/{knowledgeBaseId}/documents/{document.Id}";
        return changed ? ApiResults.Accepted(document, location) : ApiResults.Ok(document);
    });

    public Task<IResult> DeleteDocument(HttpContext http, string knowledgeBaseId, string documentId) => ApiCall.RunAsync(http, Permission.ManageKnowledge, async caller =>
    {
        await knowledge.DeleteDocumentAsync(caller, knowledgeBaseId, documentId, http.RequestAborted);
        return ApiResults.NoContent();
    });

    public Task<IResult> Query(HttpContext http, string knowledgeBaseId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        await knowledge.GetAsync(caller, knowledgeBaseId, http.RequestAborted);
        var input = await JsonBody.ReadAsync<KnowledgeQueryInput>(http.Request, QueryBodyLimit, http.RequestAborted);
        return ApiResults.Ok(await knowledge.QueryAsync(caller, knowledgeBaseId, input, http.RequestAborted));
    });

    public Task<IResult> QueryAgent(HttpContext http, string agentId) => ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
    {
        var input = await JsonBody.ReadAsync<KnowledgeQueryInput>(http.Request, QueryBodyLimit, http.RequestAborted);
        return ApiResults.Ok(await knowledge.QueryAgentAsync(caller, agentId, input, http.RequestAborted));
    });

    private sealed record UploadedFile(string? Name, string? MediaType, byte[] Content);

    private async Task<UploadedFile> ReadUploadAsync(HttpRequest request, bool requireName, CancellationToken cancellationToken)
    {
        var limit = options.MaxDocumentBytes;
        var queryName = request.Query.TryGetValue("name", out var names) ? (names.Count == 1 ? names[0] : throw ValidationFailedException.For("name", "give ?name= once")) : null;
        if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            // The form's own limits: one part of at most the document limit (plus room for the multipart framing).
            var feature = new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = limit + 64 * 1024, ValueCountLimit = 16 });
            IFormCollection form;
            try
            {
                form = await feature.ReadFormAsync(cancellationToken);
            }
            catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
            {
                throw new PayloadTooLargeException($"A document may be at most {limit} bytes.");
            }
            catch (InvalidDataException)
            {
                throw ValidationFailedException.For("file", "the multipart body could not be read");
            }
            var file = form.Files.GetFile("file") ?? throw ValidationFailedException.For("file", "send the document as a multipart part named 'file'");
            if (file.Length > limit) throw new PayloadTooLargeException($"A document may be at most {limit} bytes.");
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, cancellationToken);
            return new UploadedFile(queryName ?? file.FileName, file.ContentType, buffer.ToArray());
        }
        if (requireName && queryName is null) throw ValidationFailedException.For("name", "is required: send ?name=<file name> with a raw body (or use multipart/form-data with a 'file' part)");
        if (request.ContentLength > limit) throw new PayloadTooLargeException($"A document may be at most {limit} bytes.");
        using var body = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (body.Length + read > limit) throw new PayloadTooLargeException($"A document may be at most {limit} bytes.");
            body.Write(chunk, 0, read);
        }
        return new UploadedFile(queryName, request.ContentType, body.ToArray());
    }
}
