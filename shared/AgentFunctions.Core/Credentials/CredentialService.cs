using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Credentials;

/// <summary>
/// Stores, reads, rotates and deletes credentials, and hands secrets to agents at the moment of use. Metadata goes to the
/// document store, the secret to the <see cref="ISecretVault"/>. Every read, use, rotation and refusal leaves an audit
/// record before the answer leaves; a secret is never served without one. Logs and errors name ids, never values.
/// </summary>
public sealed class CredentialService(IDocumentStore store, ISecretVault vault, TimeProvider time, ILogger<CredentialService> logger) : ICredentialAccess
{
    public async Task<CredentialView> CreateAsync(Caller caller, string routeTenant, CreateCredentialRequest request, CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var meta = ValidateMeta(request.Meta, out var validation);
        var secret = ValidateSecret(request.Credentials, validation);
        var allowedHosts = ValidateHosts(request.AllowedHosts, validation) ?? [];
        if (request.UserId is not null && !Ids.LooksValid(request.UserId))
        {
            validation.Add("user_id", "is not a valid user id");
        }
        validation.ThrowIfInvalid();
        if (request.UserId is not null && request.UserId != caller.UserId)
        {
            // A personal credential is readable only by its own user; storing one for somebody else would lock it away.
            throw new ForbiddenException("A personal credential can be stored only by its own user; leave user_id out for a tenant credential.");
        }

        var now = time.GetUtcNow();
        var id = Credential.NewId();
        var locator = new SecretLocator(documents.Tenant, id, request.UserId);
        var secretVersion = await SetSecretAsync(locator, secret, cancellationToken).ConfigureAwait(false);
        var credential = new Credential(id, documents.Tenant, request.UserId, meta, 1, secretVersion, caller.UserId, now, now, null, allowedHosts);
        try
        {
            await documents.CommitAsync(
            [
                TypedDocuments.Write(DocumentWriteMode.Create, documents, credential),
                TypedDocuments.Write(DocumentWriteMode.Create, documents, Audit(credential.TenantId, id, CredentialAuditAction.Create, true, null, caller, 1, now)),
            ], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ForgetSecretAsync(locator).ConfigureAwait(false);
            throw;
        }
        logger.LogInformation("Credential {CredentialId} stored for tenant {TenantId} by user {UserId} (personal: {Personal})",
            id, credential.TenantId.Value, caller.UserId, credential.IsPersonal);
        return CredentialView.From(credential);
    }

    /// <summary>The credential with its secret. Needs manage-credentials; a personal one only for its user, who passes their id.</summary>
    public async Task<CredentialView> ReadAsync(Caller caller, string routeTenant, string credentialId, string? userId, CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (!caller.Can(Permission.ManageCredentials))
        {
            await AppendAuditAsync(documents, Audit(documents.Tenant, SafeId(credentialId), CredentialAuditAction.Read, false, "permission", caller, null, now), cancellationToken).ConfigureAwait(false);
            caller.Demand(Permission.ManageCredentials);
        }
        var credential = await FindForCallerAsync(documents, caller, credentialId, userId, CredentialAuditAction.Read, cancellationToken).ConfigureAwait(false);
        var value = await GetSecretAsync(credential, cancellationToken).ConfigureAwait(false);
        if (value is null)
        {
            await AppendAuditAsync(documents, Audit(documents.Tenant, credential.Id, CredentialAuditAction.Read, false, "secret_unavailable", caller, credential.Version, now), cancellationToken).ConfigureAwait(false);
            throw new ConflictException($"Credential '{credential.Id}' has no readable secret; rotate it to store a new one.");
        }
        await AppendAuditAsync(documents, Audit(documents.Tenant, credential.Id, CredentialAuditAction.Read, true, null, caller, credential.Version, now), cancellationToken).ConfigureAwait(false);
        return CredentialView.From(credential, value.Value);
    }

    /// <summary>Metadata only: the tenant's credentials, plus the caller's personal ones when they pass their own user id; filtered by meta.</summary>
    /// <remarks>
    /// One page in credential id order. The tenant's and the caller's own credentials come from one store query, and the
    /// meta filter is applied to the page (meta is nested): a page may hold fewer than the limit while a next one follows.
    /// </remarks>
    public async Task<ListPage<CredentialView>> ListAsync(Caller caller, string routeTenant, string? userId, IReadOnlyDictionary<string, string> metaFilter,
        ListRequest request, CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var own = userId is not null && userId == caller.UserId;
        var list = "credentials:" + (own ? userId : "") + ":" + string.Join("&", metaFilter.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
        var page = own
            ? await ListCursor.ReadAsync<Credential>(documents, list, request, newestFirst: false, cancellationToken).ConfigureAwait(false)
            : await ListCursor.ReadAsync<Credential>(documents, list, request, newestFirst: false, cancellationToken, new FieldEquals("user_id", null)).ConfigureAwait(false);
        var items = page.Items.Select(v => v.Value)
            .Where(c => c.UserId is null || (own && c.UserId == userId))
            .Where(c => metaFilter.All(f => c.Meta.TryGetValue(f.Key, out var v) && v == f.Value))
            .Select(c => CredentialView.From(c))
            .ToList();
        return new ListPage<CredentialView>(items, page.NextCursor);
    }

    /// <summary>
    /// Replaces the secret, its allowed hosts, or both; keeps the id, bumps the version. Only who may rotate the credential
    /// may change where it goes: its own user for a personal one, a credential manager for a tenant one. A replaced
    /// secret's previous vault version is retired afterwards.
    /// </summary>
    public async Task<CredentialView> RotateAsync(Caller caller, string routeTenant, string credentialId, string? userId, RotateCredentialRequest request, CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var validation = new Validation();
        var replacesSecret = request.Credentials.ValueKind != JsonValueKind.Undefined || request.AllowedHosts is null;
        var secret = replacesSecret ? ValidateSecret(request.Credentials, validation) : [];
        var allowedHosts = ValidateHosts(request.AllowedHosts, validation);
        validation.ThrowIfInvalid();

        var action = replacesSecret ? CredentialAuditAction.Rotate : CredentialAuditAction.Update;
        var current = await FindVersionedForCallerAsync(documents, caller, credentialId, userId, action, cancellationToken).ConfigureAwait(false);
        var old = current.Value;
        var now = time.GetUtcNow();
        if (!replacesSecret)
        {
            return await UpdateHostsAsync(documents, caller, current, allowedHosts!, now, cancellationToken).ConfigureAwait(false);
        }
        var newSecretVersion = await SetSecretAsync(old.Locator, secret, cancellationToken).ConfigureAwait(false);
        var rotated = old with
        {
            Version = old.Version + 1, SecretVersion = newSecretVersion, UpdatedAt = now, RotatedAt = now, AllowedHosts = allowedHosts ?? old.AllowedHosts,
        };
        try
        {
            await documents.CommitAsync(
            [
                TypedDocuments.Write(DocumentWriteMode.Replace, documents, rotated, current.ETag),
                TypedDocuments.Write(DocumentWriteMode.Create, documents, Audit(documents.Tenant, old.Id, CredentialAuditAction.Rotate, true, null, caller, rotated.Version, now)),
            ], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Lost a race or the store failed: the version we wrote is not current, so it must not stay readable.
            await RetireQuietlyAsync(old.Locator, newSecretVersion).ConfigureAwait(false);
            throw;
        }
        await RetireQuietlyAsync(old.Locator, old.SecretVersion).ConfigureAwait(false);
        logger.LogInformation("Credential {CredentialId} of tenant {TenantId} rotated to version {Version} by user {UserId}",
            old.Id, documents.Tenant.Value, rotated.Version, caller.UserId);
        return CredentialView.From(rotated);
    }

    private async Task<CredentialView> UpdateHostsAsync(ITenantDocuments documents, Caller caller, Versioned<Credential> current, IReadOnlyList<string> allowedHosts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = current.Value with { Version = current.Value.Version + 1, UpdatedAt = now, AllowedHosts = allowedHosts };
        await documents.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Replace, documents, updated, current.ETag),
            TypedDocuments.Write(DocumentWriteMode.Create, documents, Audit(documents.Tenant, updated.Id, CredentialAuditAction.Update, true, "allowed_hosts", caller, updated.Version, now)),
        ], cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Credential {CredentialId} of tenant {TenantId} may now be sent to {AllowedHostCount} host(s); version {Version}, by user {UserId}",
            updated.Id, documents.Tenant.Value, allowedHosts.Count, updated.Version, caller.UserId);
        return CredentialView.From(updated);
    }

    public async Task DeleteAsync(Caller caller, string routeTenant, string credentialId, string? userId, CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var current = await FindVersionedForCallerAsync(documents, caller, credentialId, userId, CredentialAuditAction.Delete, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await documents.CommitAsync(
        [
            DocumentWrite.Delete(Credential.Kind, current.Value.Id, current.ETag),
            TypedDocuments.Write(DocumentWriteMode.Create, documents, Audit(documents.Tenant, current.Value.Id, CredentialAuditAction.Delete, true, null, caller, current.Value.Version, now)),
        ], cancellationToken).ConfigureAwait(false);
        // Metadata first: if the vault delete fails, an unreachable ciphertext stays behind, never a credential without its secret.
        await ForgetSecretAsync(current.Value.Locator).ConfigureAwait(false);
        logger.LogInformation("Credential {CredentialId} of tenant {TenantId} deleted by user {UserId}", current.Value.Id, documents.Tenant.Value, caller.UserId);
    }

    /// <summary>One page of audit records, newest first, read page by page from the store (ids sort by time).</summary>
    public async Task<ListPage<CredentialAuditRecord>> AuditAsync(Caller caller, string routeTenant, CredentialAuditQuery query, ListRequest request,
        CancellationToken cancellationToken = default)
    {
        var documents = await OpenTenantAsync(caller, routeTenant, cancellationToken).ConfigureAwait(false);
        var filter = new List<FieldEquals>();
        if (query.CredentialId is not null) filter.Add(new FieldEquals("credential_id", query.CredentialId));
        if (query.AgentId is not null) filter.Add(new FieldEquals("agent_id", query.AgentId));
        if (query.ActorUserId is not null) filter.Add(new FieldEquals("actor_user_id", query.ActorUserId));
        if (query.Allowed is { } allowed) filter.Add(new FieldEquals("allowed", allowed ? "true" : "false"));
        var page = await ListCursor.ReadAsync<CredentialAuditRecord>(documents, query.ListKey, request, newestFirst: true, cancellationToken, [.. filter]).ConfigureAwait(false);
        return page.Select(r => r.Value);
    }

    /// <inheritdoc />
    public async Task<CredentialSecret> UseAsync(CredentialUseRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var documents = store.For(request.Tenant);
        var now = time.GetUtcNow();

        async Task<CredentialUseRefusedException> RefuseAsync(string code, string reason, int? version)
        {
            await AppendAuditAsync(documents, UseAudit(request, false, code, version, now), cancellationToken).ConfigureAwait(false);
            logger.LogWarning("Credential {CredentialId} refused to agent {AgentId} of tenant {TenantId}: {Reason}",
                request.CredentialId, request.AgentId, request.Tenant.Value, code);
            return new CredentialUseRefusedException(request.CredentialId, reason);
        }

        if (string.IsNullOrWhiteSpace(request.AgentId) || string.IsNullOrWhiteSpace(request.AgentOwnerId))
        {
            throw await RefuseAsync("no_agent", "an agent and its owner are required", null).ConfigureAwait(false);
        }
        var credential = Credential.IsWellFormedId(request.CredentialId)
            ? (await documents.GetAsync<Credential>(request.CredentialId, cancellationToken).ConfigureAwait(false))?.Value
            : null;
        if (credential is null)
        {
            throw await RefuseAsync("not_found", "no such credential in this tenant", null).ConfigureAwait(false);
        }
        if (credential.UserId is { } owner)
        {
            if (owner != request.AgentOwnerId)
            {
                throw await RefuseAsync("not_owner", "it is a personal credential of another user than the agent's owner", credential.Version).ConfigureAwait(false);
            }
            var user = await documents.GetAsync<User>(owner, cancellationToken).ConfigureAwait(false);
            if (user is null || user.Value.Disabled)
            {
                throw await RefuseAsync("owner_disabled", "its user is disabled or removed", credential.Version).ConfigureAwait(false);
            }
        }
        if (!Engine.Tools.HostAllowlist.AllowsHost(credential.AllowedHosts ?? [], request.DestinationHost))
        {
            // Checked before the secret is decrypted: a tool pointed elsewhere (by whoever edited it) never gets it.
            throw await RefuseAsync("host_not_allowed", credential.AllowedHosts is { Count: > 0 }
                ? $"it may not be sent to '{SafeHost(request.DestinationHost)}' (not in the credential's allowed_hosts)"
                : "it has no allowed_hosts; its owner (or a credential manager, for a tenant credential) sets them with rotate", credential.Version).ConfigureAwait(false);
        }
        var value = await GetSecretAsync(credential, cancellationToken).ConfigureAwait(false);
        if (value is null)
        {
            throw await RefuseAsync("secret_unavailable", "its secret cannot be read; rotate it", credential.Version).ConfigureAwait(false);
        }
        await AppendAuditAsync(documents, UseAudit(request, true, null, credential.Version, now), cancellationToken).ConfigureAwait(false);
        return new CredentialSecret(credential.Id, value.Value);
    }

    /// <summary>The route's tenant must be the caller's and must exist; anything else is the same 404.</summary>
    private async Task<ITenantDocuments> OpenTenantAsync(Caller caller, string routeTenant, CancellationToken cancellationToken)
    {
        if (!TenantId.TryParse(routeTenant, out var tenant) || tenant != caller.Tenant || caller.IsPlatform)
        {
            throw new NotFoundException("Tenant");
        }
        var documents = store.For(tenant);
        if (await documents.ReadAsync(Tenant.Kind, tenant.Value, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new NotFoundException("Tenant");
        }
        return documents;
    }

    private async Task<Credential> FindForCallerAsync(ITenantDocuments documents, Caller caller, string credentialId, string? userId, CredentialAuditAction action, CancellationToken cancellationToken) =>
        (await FindVersionedForCallerAsync(documents, caller, credentialId, userId, action, cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>
    /// A tenant credential for any caller of the tenant; a personal one only when the caller passes their own user id and
    /// it is the credential's. Every other case is one 404 with one message, audited as a refusal.
    /// </summary>
    private async Task<Versioned<Credential>> FindVersionedForCallerAsync(ITenantDocuments documents, Caller caller, string credentialId, string? userId, CredentialAuditAction action, CancellationToken cancellationToken)
    {
        var found = Credential.IsWellFormedId(credentialId)
            ? await documents.GetAsync<Credential>(credentialId, cancellationToken).ConfigureAwait(false)
            : null;
        string? refusal = found switch
        {
            null => "not_found",
            { Value.UserId: null } => null,
            _ when userId is null => "user_id_missing",
            { Value.UserId: var owner } when userId != owner => "user_id_mismatch",
            _ when userId != caller.UserId => "not_caller",
            _ => null,
        };
        if (refusal is not null)
        {
            var safeId = SafeId(credentialId);
            await AppendAuditAsync(documents, Audit(documents.Tenant, safeId, action, false, refusal, caller, found?.Value.Version, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            logger.LogWarning("Credential {CredentialId} {Action} refused to user {UserId} of tenant {TenantId}: {Reason}",
                safeId, action, caller.UserId, documents.Tenant.Value, refusal);
            throw new NotFoundException("Credential");
        }
        return found!;
    }

    private async Task<JsonElement?> GetSecretAsync(Credential credential, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        try
        {
            bytes = await vault.GetAsync(credential.Locator, credential.SecretVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretVaultException ex)
        {
            logger.LogError("Secret of credential {CredentialId} in tenant {TenantId} is unreadable: {Problem}", credential.Id, credential.TenantId.Value, ex.Message);
            return null;
        }
        if (bytes is null)
        {
            logger.LogError("Secret of credential {CredentialId} in tenant {TenantId} is missing from the vault", credential.Id, credential.TenantId.Value);
            return null;
        }
        using var json = JsonDocument.Parse(bytes);
        return json.RootElement.Clone();
    }

    private async Task<string> SetSecretAsync(SecretLocator locator, byte[] secret, CancellationToken cancellationToken)
    {
        try
        {
            return await vault.SetAsync(locator, secret, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretTooLargeException ex)
        {
            throw ValidationFailedException.For("credentials", $"is too large for the secret store (at most {ex.MaxBytes} bytes after compression)");
        }
    }

    // Clean-ups are best effort and not cancellable: a request that went away must not leave a readable orphan behind.
    private async Task ForgetSecretAsync(SecretLocator locator)
    {
        try
        {
            await vault.DeleteAsync(locator, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not remove the secret of credential {CredentialId} in tenant {TenantId} ({ExceptionType}); it is unreachable without its metadata",
                locator.CredentialId, locator.Tenant.Value, ex.GetType().Name);
        }
    }

    private async Task RetireQuietlyAsync(SecretLocator locator, string version)
    {
        try
        {
            await vault.RetireVersionAsync(locator, version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not retire secret version {SecretVersion} of credential {CredentialId} in tenant {TenantId} ({ExceptionType})",
                version, locator.CredentialId, locator.Tenant.Value, ex.GetType().Name);
        }
    }

    /// <summary>One durable audit record; the caller's answer waits for it (the store's group commit shares the flush).</summary>
    private static Task AppendAuditAsync(ITenantDocuments documents, CredentialAuditRecord record, CancellationToken cancellationToken) =>
        documents.CommitAsync([TypedDocuments.Write(DocumentWriteMode.Create, documents, record)], cancellationToken);

    private static CredentialAuditRecord Audit(TenantId tenant, string credentialId, CredentialAuditAction action, bool allowed, string? reason, Caller caller, int? version, DateTimeOffset at) =>
        new(CredentialAuditRecord.NewId(at), tenant, credentialId, action, allowed, reason, caller.UserId, caller.KeyId, null, null, null, null, version, at);

    private static CredentialAuditRecord UseAudit(CredentialUseRequest request, bool allowed, string? reason, int? version, DateTimeOffset at) =>
        new(CredentialAuditRecord.NewId(at), request.Tenant, SafeId(request.CredentialId),
            CredentialAuditAction.Use, allowed, reason, null, null, request.AgentId, request.AgentOwnerId, request.RunId, request.Purpose, version, at,
            SafeHost(request.DestinationHost));

    /// <summary>A destination host as an audit record or error may show it: bounded, printable.</summary>
    private static string SafeHost(string? host) =>
        string.IsNullOrEmpty(host) ? "(none)" : host.Length <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']') ? host : "(malformed)";

    /// <summary>What an audit record or log line may say about a caller-supplied id: the id when it could be one, else a marker.</summary>
    private static string SafeId(string? credentialId) => Ids.LooksValid(credentialId) ? credentialId! : "(malformed)";

    private static IReadOnlyDictionary<string, string> ValidateMeta(Dictionary<string, string>? meta, out Validation validation)
    {
        validation = new Validation();
        if (meta is null) return new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta.Count > CredentialLimits.MaxMetaKeys)
        {
            validation.Add("meta", $"may have at most {CredentialLimits.MaxMetaKeys} keys");
        }
        foreach (var (key, value) in meta)
        {
            if (key.Length is 0 or > CredentialLimits.MaxMetaKeyLength || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                validation.Add("meta", $"keys must be 1-{CredentialLimits.MaxMetaKeyLength} characters of letters, digits, '_', '-' or '.'");
            }
            // A JSON null passes the deserializer (nullable annotations do not reach dictionary values): refuse it here.
            else if (value is null)
            {
                validation.Add($"meta.{key}", "must be a string");
            }
            else if (value.Length > CredentialLimits.MaxMetaValueLength)
            {
                validation.Add($"meta.{key}", $"must be at most {CredentialLimits.MaxMetaValueLength} characters");
            }
        }
        return new Dictionary<string, string>(meta, StringComparer.Ordinal);
    }

    /// <summary>
    /// The hosts a credential may be sent to: 0-32 host names (<c>api.example.com</c>), <c>*.example.com</c> for any
    /// subdomain, or IP literals; lower-cased, duplicates dropped. Null when the request leaves them out.
    /// </summary>
    private static IReadOnlyList<string>? ValidateHosts(IReadOnlyList<string>? hosts, Validation validation)
    {
        if (hosts is null) return null;
        if (hosts.Count > CredentialLimits.MaxAllowedHosts)
        {
            validation.Add("allowed_hosts", $"may list at most {CredentialLimits.MaxAllowedHosts} hosts");
            return null;
        }
        var normalised = new List<string>();
        foreach (var host in hosts)
        {
            if (host is null || !Engine.Tools.HostAllowlist.IsValidEntry(host))
            {
                validation.Add("allowed_hosts", "each entry must be a host name (api.example.com), '*.example.com' or an IP address, without scheme, port or path");
                return null;
            }
            var entry = host.Trim().TrimEnd('.').ToLowerInvariant();
            if (!normalised.Contains(entry, StringComparer.Ordinal)) normalised.Add(entry);
        }
        return normalised;
    }

    /// <summary>The secret as compact UTF-8 JSON. Errors name the field and the rule, never the value.</summary>
    private static byte[] ValidateSecret(JsonElement credentials, Validation validation)
    {
        if (credentials.ValueKind == JsonValueKind.Undefined)
        {
            validation.Add("credentials", "is required");
            return [];
        }
        if (credentials.ValueKind != JsonValueKind.Object)
        {
            validation.Add("credentials", "must be a JSON object");
            return [];
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(credentials);
        if (bytes.Length > CredentialLimits.MaxSecretBytes)
        {
            validation.Add("credentials", $"must be at most {CredentialLimits.MaxSecretBytes} bytes of JSON");
        }
        return bytes;
    }
}
