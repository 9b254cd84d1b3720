using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Credentials;

/// <summary>
/// HTTP handlers for credentials, shared by the local host and the Functions app. Reading a secret checks its permission
/// inside the service (so the refusal is audited); the other routes demand theirs in the frame.
/// </summary>
public sealed class CredentialsApi(CredentialService service)
{
    private const string MetaQueryPrefix = "meta.";

    public Task<IResult> Create(HttpContext http, string tenantId) =>
        ApiCall.RunAsync(http, Permission.ManageCredentials, async caller =>
        {
            var request = await JsonBody.ReadAsync<CreateCredentialRequest>(http.Request, CredentialLimits.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            var created = await service.CreateAsync(caller, tenantId, request, http.RequestAborted).ConfigureAwait(false);
            http.Response.Headers.Location = $"/api/v1/tenants/{created.TenantId.Value}/credentials/{created.CredentialId}";
            return Results.Json(created, PlatformJson.Options, statusCode: StatusCodes.Status201Created);
        });

    public Task<IResult> Get(HttpContext http, string tenantId, string credentialId) =>
        ApiCall.RunAsync(http, Permission.None, async caller =>
        {
            var credential = await service.ReadAsync(caller, tenantId, credentialId, UserIdQuery(http), http.RequestAborted).ConfigureAwait(false);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(credential, PlatformJson.Options);
        });

    public Task<IResult> List(HttpContext http, string tenantId) =>
        ApiCall.RunAsync(http, Permission.ViewAgents, async caller =>
        {
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in http.Request.Query)
            {
                if (key.StartsWith(MetaQueryPrefix, StringComparison.Ordinal) && key.Length > MetaQueryPrefix.Length)
                {
                    meta[key[MetaQueryPrefix.Length..]] = value.ToString();
                }
                else if (key != "user_id" && !ListQuery.Parameters.Contains(key))
                {
                    throw ValidationFailedException.For(key, "Unknown query parameter; filter by meta with 'meta.<key>=<value>'.");
                }
            }
            var page = ListQuery.Read(http.Request, "user_id", MetaQueryPrefix + "*");
            var credentials = await service.ListAsync(caller, tenantId, UserIdQuery(http), meta, page, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(credentials, PlatformJson.Options);
        });

    public Task<IResult> Rotate(HttpContext http, string tenantId, string credentialId) =>
        ApiCall.RunAsync(http, Permission.ManageCredentials, async caller =>
        {
            var request = await JsonBody.ReadAsync<RotateCredentialRequest>(http.Request, CredentialLimits.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            var rotated = await service.RotateAsync(caller, tenantId, credentialId, UserIdQuery(http), request, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(rotated, PlatformJson.Options);
        });

    public Task<IResult> Delete(HttpContext http, string tenantId, string credentialId) =>
        ApiCall.RunAsync(http, Permission.ManageCredentials, async caller =>
        {
            await service.DeleteAsync(caller, tenantId, credentialId, UserIdQuery(http), http.RequestAborted).ConfigureAwait(false);
            return Results.NoContent();
        });

    public Task<IResult> Audit(HttpContext http, string tenantId) =>
        ApiCall.RunAsync(http, Permission.ViewAudit, async caller =>
        {
            var query = http.Request.Query;
            var page = ListQuery.Read(http.Request, "credential_id", "agent_id", "actor_user_id", "allowed");
            var validation = new Validation();
            bool? allowed = null;
            if (query.TryGetValue("allowed", out var allowedText))
            {
                if (bool.TryParse(allowedText.ToString(), out var parsed)) allowed = parsed;
                else validation.Add("allowed", "must be true or false");
            }
            validation.ThrowIfInvalid();
            var records = await service.AuditAsync(caller, tenantId,
                new CredentialAuditQuery(Text(query["credential_id"]), Text(query["agent_id"]), Text(query["actor_user_id"]), allowed),
                page, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(records, PlatformJson.Options);
        });

    private static string? UserIdQuery(HttpContext http) => Text(http.Request.Query["user_id"]);

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrEmpty(value.ToString()) ? null : value.ToString();
}
