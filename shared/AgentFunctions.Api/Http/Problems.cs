using AgentFunctions.Common;
using AgentFunctions.Storage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>Every error answer is application/problem+json (RFC 9457); this is the one place statuses are chosen.</summary>
public static class Problems
{
    public static IResult Status(int status, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, type: $"https://httpstatuses.io/{status}", extensions: extensions);

    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value), detail: detail ?? "One or more fields are invalid.",
            title: "Invalid request", type: "https://httpstatuses.io/400");

    public static IResult Unauthorized(string detail) => Status(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>Maps a service failure to its status. Unknown exceptions are not handled here: they are 500s.</summary>
    public static IResult? FromException(Exception exception) => exception switch
    {
        ValidationFailedException v => Validation(v.Errors),
        NotFoundException n => NotFound(n.Message),
        ForbiddenException f => Status(StatusCodes.Status403Forbidden, "Forbidden", f.Message),
        ConflictException c => Status(StatusCodes.Status409Conflict, "Conflict", c.Message),
        PreconditionRequiredException r => Status(StatusCodes.Status428PreconditionRequired, "Precondition required", r.Message),
        PreconditionFailedException p => Status(StatusCodes.Status412PreconditionFailed, "Precondition failed", p.Message),
        FeatureUnavailableException f => Status(StatusCodes.Status503ServiceUnavailable, "Not available in this deployment", f.Message),
        AgentFunctions.Usage.UsageLimitExceededException u => AgentFunctions.Api.Usage.UsageProblems.From(u),
        QuotaExceededException q => Status(StatusCodes.Status429TooManyRequests, "Too many requests", q.Message),
        UnauthorizedException u => Unauthorized(u.Message),
        AgentFunctions.Triggers.WebhookUnauthorizedException w => Unauthorized(w.Message),
        PayloadTooLargeException t => Status(StatusCodes.Status413PayloadTooLarge, "Payload too large", t.Message),
        AgentFunctions.Knowledge.UnsupportedDocumentTypeException d => Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", d.Message),
        UnsupportedMediaTypeException m => Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", m.Message),
        DocumentConflictException => Status(StatusCodes.Status409Conflict, "Conflict", "The object exists already."),
        DocumentPreconditionFailedException => Status(StatusCodes.Status412PreconditionFailed, "Precondition failed", "The object changed since it was read; read it again and retry with its new ETag."),
        DocumentMissingException => NotFound("The object was not found."),
        PlatformException other => Status(StatusCodes.Status400BadRequest, "Bad request", other.Message),
        // Kestrel's own refusals while a body is read (over its size limit: 413; cut short: 400).
        BadHttpRequestException b => Status(b.StatusCode, b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request",
            b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The body is over the server's limit." : "The request could not be read."),
        _ => null,
    };
}

/// <summary>401: no key, or a key that is unknown, revoked or expired.</summary>
public sealed class UnauthorizedException(string message) : PlatformException(message);

/// <summary>413: the body is over the route's limit.</summary>
public sealed class PayloadTooLargeException(string message) : PlatformException(message);

/// <summary>415: the body is not application/json.</summary>
public sealed class UnsupportedMediaTypeException(string message) : PlatformException(message);
