namespace AgentFunctions.Access;

/// <summary>Turns the presented key text into a <see cref="Caller"/>; null when the key is unknown, revoked or expired.</summary>
public interface IAuthenticator
{
    ValueTask<Caller?> AuthenticateAsync(string presentedKey, CancellationToken cancellationToken = default);
}
