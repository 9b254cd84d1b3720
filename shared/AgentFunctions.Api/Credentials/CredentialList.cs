using AgentFunctions.Credentials;

namespace AgentFunctions.Api.Credentials;

/// <summary>The list answer: metadata only; <see cref="CredentialView.Credentials"/> is never set here.</summary>
public sealed record CredentialList(IReadOnlyList<CredentialView> Items);
