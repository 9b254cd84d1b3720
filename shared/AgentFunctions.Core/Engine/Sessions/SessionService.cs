using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
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
        // Time-ordered, so the agent's sessions list pages newest first from the store's id order.
        var session = new Session(Ids.NewSortable("ses", now), caller.Tenant, agentId, caller.UserId, title, now, now);
        await store.For(caller.Tenant).CreateAsync(session, cancellationToken).ConfigureAwait(false);
        return session;
    }

    /// <summary>One page of an agent's sessions, newest first: the caller's own, or every user's for an admin.</summary>
    public async Task<ListPage<Session>> ListAsync(Caller caller, string agentId, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewRuns);
        await runs.GetVisibleAgentAsync(caller, agentId, cancellationToken).ConfigureAwait(false);
        var documents = store.For(caller.Tenant);
        var page = caller.Role == Role.Admin
            ? await ListCursor.ReadAsync<Session>(documents, $"sessions:{agentId}:*", request, newestFirst: true, cancellationToken,
                new FieldEquals("agent_id", agentId)).ConfigureAwait(false)
            : await ListCursor.ReadAsync<Session>(documents, $"sessions:{agentId}:{caller.UserId}", request, newestFirst: true, cancellationToken,
                new FieldEquals("agent_id", agentId), new FieldEquals("user_id", caller.UserId)).ConfigureAwait(false);
        return page.Select(s => s.Value);
    }

    public async Task<Conversation> GetConversationAsync(Caller caller, string sessionId, CancellationToken cancellationToken = default)
    {
        var session = await runs.GetVisibleSessionAsync(caller, sessionId, cancellationToken).ConfigureAwait(false);
        var messages = await store.For(caller.Tenant).ListAsync<ConversationMessage>(cancellationToken, new FieldEquals("session_id", sessionId)).ConfigureAwait(false);
        return new Conversation(session, messages.Select(m => m.Value).OrderBy(m => m.Id, StringComparer.Ordinal).ToList());
    }
}
