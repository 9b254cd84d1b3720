using AgentFunctions.Api.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions.Credentials;

/// <summary>The credentials routes, the same handlers the local host maps in <see cref="CredentialsEndpoints"/>.</summary>
public sealed class CredentialsFunctions(CredentialsApi api)
{
    [Function(nameof(CreateCredential))]
    public Task<IResult> CreateCredential(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/tenants/{tenantId}/credentials")] HttpRequest req, string tenantId)
        => api.Create(req.HttpContext, tenantId);

    [Function(nameof(ListCredentials))]
    public Task<IResult> ListCredentials(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}/credentials")] HttpRequest req, string tenantId)
        => api.List(req.HttpContext, tenantId);

    [Function(nameof(GetCredential))]
    public Task<IResult> GetCredential(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}/credentials/{credentialId}")] HttpRequest req, string tenantId, string credentialId)
        => api.Get(req.HttpContext, tenantId, credentialId);

    [Function(nameof(RotateCredential))]
    public Task<IResult> RotateCredential(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/tenants/{tenantId}/credentials/{credentialId}/rotate")] HttpRequest req, string tenantId, string credentialId)
        => api.Rotate(req.HttpContext, tenantId, credentialId);

    [Function(nameof(DeleteCredential))]
    public Task<IResult> DeleteCredential(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/tenants/{tenantId}/credentials/{credentialId}")] HttpRequest req, string tenantId, string credentialId)
        => api.Delete(req.HttpContext, tenantId, credentialId);

    [Function(nameof(ListCredentialAudit))]
    public Task<IResult> ListCredentialAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/tenants/{tenantId}/audit/credentials")] HttpRequest req, string tenantId)
        => api.Audit(req.HttpContext, tenantId);
}
