namespace AgentFunctions.Common;

/// <summary>
/// Failures a service reports to its caller. The HTTP layer maps each to one problem+json status;
/// messages are written for the API user and never carry secrets.
/// </summary>
public abstract class PlatformException(string message) : Exception(message);

/// <summary>400: the request is well-formed JSON but breaks a rule; <see cref="Errors"/> names the fields.</summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : PlatformException("One or more fields are invalid.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ValidationFailedException For(string field, string error) => new(new Dictionary<string, string[]> { [field] = [error] });
}

/// <summary>404: the object does not exist for this caller (same answer whether absent or another tenant's).</summary>
public sealed class NotFoundException(string what) : PlatformException($"{what} was not found.");

/// <summary>409: the object exists already, or the change conflicts with the current state.</summary>
public sealed class ConflictException(string message) : PlatformException(message);

/// <summary>412: the caller's If-Match no longer names the current version.</summary>
public sealed class PreconditionFailedException(string message) : PlatformException(message);

/// <summary>403: authenticated, but the role lacks the permission.</summary>
public sealed class ForbiddenException(string message) : PlatformException(message);

/// <summary>429: a quota or rate limit refused the call.</summary>
public sealed class QuotaExceededException(string message) : PlatformException(message);

/// <summary>428: the change needs an If-Match the caller did not send.</summary>
public sealed class PreconditionRequiredException(string message) : PlatformException(message);

/// <summary>503: the feature is not available in this deployment (a port without an adapter here yet).</summary>
public sealed class FeatureUnavailableException(string message) : PlatformException(message);
