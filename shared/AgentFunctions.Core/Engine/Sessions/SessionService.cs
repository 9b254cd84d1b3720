using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Sessions;

/// <summary>Chat sessions with an agent: create one, read its conversation. Turns are runs (see <see cref="RunService"/>).</summary>
public sealed class SessionService(IDocumentStore store, RunService runs, TimeProvider time)
{
    public async Task<Session> CreateAsync(Caller caller, string agentId, string? title, CancellationToken cancellationToken = default)
    {
        new Validation().Require(title is null || title.Length <= 200, "title", "must be at most 200 characters").ThrowIfInvalid();
        await runs.GetVisibleAgentAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var session = new Session(Ids.New("ses"), caller.Tenant, agentId, caller.UserId, title, now, now);
        await store.For(caller.Tenant).CreateAsync(session, cancellationToken).ConfigureAwait(false);
        return session;
    }

    public async Task<Conversation> GetConversationAsync(Caller caller, string sessionId, CancellationToken cancellationToken = default)
    {
        var session = await runs.GetVisibleSessionAsync(caller, sessionId, cancellationToken).ConfigureAwait(false);
        var messages = await store.For(caller.Tenant).ListAsync<ConversationMessage>(cancellationToken, new FieldEquals("session_id", sessionId)).ConfigureAwait(false);
        return new Conversation(session, messages.Select(m => m.Value).OrderBy(m => m.Id, StringComparer.Ordinal).ToList());
    }
}
