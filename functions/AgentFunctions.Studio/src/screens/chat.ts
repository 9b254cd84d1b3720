// Chat playground: a session with an agent. Each message starts a run (POST .../messages, wait: false); its steps
// stream live from GET /runs/{id}/events, tool calls open to show arguments and results, citations link to documents.
import { collect, type Page } from '../api';
import { badge, field, h, heading, showProblem, when } from '../ui';
import type { Agent } from './agent-model';
import { citationItem, isFinal, stepItem, toolCallItem, type RunView } from './run-model';
import type { Screen, ScreenContext } from './types';

interface Session { id: string; agent_id: string; title?: string | null; created_at: string; updated_at: string }
interface ConversationMessage { id: string; run_id?: string | null; role: string; content?: string | null; created_at: string }
interface Conversation { session: Session; messages: ConversationMessage[] }

async function renderChat(ctx: ScreenContext, agentId?: string) {
  const agents = await collect<Agent>(ctx.api, '/agents');
  const pick = h('select', null,
    h('option', { value: '' }, agents.length ? 'Choose an agent…' : 'No agents yet'),
    agents.map((a) => h('option', { value: a.id, selected: a.id === agentId }, `${a.spec.name}${a.enabled ? '' : ' (disabled)'}`)));
  pick.addEventListener('change', () => pick.value && ctx.navigate(`chat/${encodeURIComponent(pick.value)}`));
  ctx.root.append(heading('Chat playground'), field('Agent', pick, 'agent'));
  const agent = agents.find((a) => a.id === agentId)
    ?? (agentId ? await ctx.api.get<Agent>(`/agents/${encodeURIComponent(agentId)}`) : undefined);
  if (!agent) {
    ctx.root.append(h('p', { class: 'muted' }, 'Pick an agent to start a session with it.'));
    return;
  }
  const knowledgeBaseIds = agent.spec.knowledge.knowledge_base_ids ?? [];

  let sessionId = ctx.query.get('session') ?? '';
  const sessions = ctx.can('view_runs')
    ? (await ctx.api.get<Page<Session>>(`/agents/${encodeURIComponent(agent.id)}/sessions`, { limit: 50 }).catch(() => ({ items: [] as Session[] }))).items
    : [];
  const sessionPick = h('select', null,
    h('option', { value: '' }, 'New session'),
    sessions.map((s) => h('option', { value: s.id, selected: s.id === sessionId }, `${s.title || s.id} · ${when(s.updated_at)}`)));
  sessionPick.addEventListener('change', () =>
    ctx.navigate(`chat/${encodeURIComponent(agent.id)}${sessionPick.value ? `?session=${encodeURIComponent(sessionPick.value)}` : ''}`));

  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', 'data-testid': 'chat-log' });
  const input = h('textarea', { rows: '3', placeholder: 'Ask something. The offline model follows lines like /call builtin.current_time {}' });
  const send = h('button', { type: 'submit' }, 'Send');
  const form = h('form', { class: 'chat-form' }, field('Message', input, 'content'), h('div', { class: 'actions' }, send));
  ctx.root.append(
    h('p', { class: 'muted' }, 'Model ', h('code', null, agent.spec.model), ' · tools: ', agent.spec.tools.join(', ') || 'none',
      agent.enabled ? null : [' · ', badge('disabled')]),
    field('Session', sessionPick, 'session'),
    log, form);

  if (sessionId) {
    try {
      const conversation = await ctx.api.get<Conversation>(`/conversations/${encodeURIComponent(sessionId)}`);
      for (const m of conversation.messages) {
        if (m.role !== 'user' && m.role !== 'assistant') continue;
        log.append(h('div', { class: `msg msg-${m.role}` }, h('span', { class: 'sr-only' }, m.role === 'user' ? 'You: ' : 'Agent: '), m.content ?? '',
          m.role === 'assistant' && m.run_id ? h('div', null, h('a', { href: `#/run/${encodeURIComponent(m.run_id)}` }, 'Run timeline')) : null));
      }
    } catch (err) {
      showProblem(ctx.root, err);
    }
  }

  const streams = new AbortController();
  window.addEventListener('hashchange', () => streams.abort(), { once: true });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    send.disabled = true;
    try {
      if (!sessionId) {
        const session = await ctx.api.post<Session>(`/agents/${encodeURIComponent(agent.id)}/sessions`, { title: content.split('\n')[0]!.slice(0, 80) });
        sessionId = session.id;
        history.replaceState(null, '', `#/chat/${encodeURIComponent(agent.id)}?session=${encodeURIComponent(sessionId)}`);
      }
      log.append(h('div', { class: 'msg msg-user' }, h('span', { class: 'sr-only' }, 'You: '), content));
      input.value = '';
      const run = await ctx.api.post<RunView>(`/agents/${encodeURIComponent(agent.id)}/sessions/${encodeURIComponent(sessionId)}/messages`, { content, wait: false });
      await followRun(ctx, run, log, knowledgeBaseIds, streams.signal);
    } catch (err) {
      showProblem(ctx.root, err);
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
}

/** Draws one answer: live steps from the run's event stream, then the answer, tool calls and citations. */
async function followRun(ctx: ScreenContext, started: RunView, log: HTMLElement, knowledgeBaseIds: string[], signal: AbortSignal) {
  const status = h('span', { 'data-testid': 'chat-status' }, badge(started.status));
  const steps = h('ol', { class: 'steps', 'aria-label': 'Steps', 'data-testid': 'chat-steps' });
  const answer = h('div', { class: 'answer', 'data-testid': 'chat-answer' });
  const extras = h('div');
  const bubble = h('div', { class: 'msg msg-assistant', 'data-run': started.id },
    h('span', { class: 'sr-only' }, 'Agent: '),
    h('div', { class: 'muted' }, 'Run ', h('a', { href: `#/run/${encodeURIComponent(started.id)}` }, started.id), ' ', status),
    steps, answer, extras);
  log.append(bubble);
  let lastAt = started.created_at;
  const seen = new Set<number>();
  await ctx.api.sse(`/runs/${encodeURIComponent(started.id)}/events`, {}, (event, data) => {
    const d = data as Record<string, unknown>;
    if (event === 'step') {
      const step = d as unknown as Parameters<typeof stepItem>[0];
      if (seen.has(step.index)) return;
      seen.add(step.index);
      steps.append(stepItem(step, lastAt));
      lastAt = step.at;
    } else if (event === 'status' || event === 'end') {
      status.replaceChildren(badge(String(d.status)));
      if (d.status === 'awaiting_approval') {
        answer.replaceChildren(h('p', null, 'Waiting for approval to call ', h('code', null, String(d.pending_approval_tool ?? 'a tool')), ': ',
          h('a', { href: `#/run/${encodeURIComponent(started.id)}` }, 'approve or reject it on the run')));
      }
      if (event === 'end') answer.replaceChildren(d.answer ? String(d.answer) : h('em', null, String(d.reason ?? d.status)));
    }
    log.scrollTop = log.scrollHeight;
  }, signal);
  if (signal.aborted) return;
  const run = await ctx.api.get<RunView>(`/runs/${encodeURIComponent(started.id)}`);
  status.replaceChildren(badge(run.status));
  if (isFinal(run.status)) answer.replaceChildren(run.answer ? run.answer : h('em', null, run.reason ?? run.status));
  extras.replaceChildren(h('div', null,
    run.tool_calls.length ? h('div', { class: 'tool-calls' }, h('strong', null, 'Tool calls'), run.tool_calls.map(toolCallItem)) : null,
    run.citations.length ? h('div', { class: 'citations' }, h('strong', null, 'Citations'), run.citations.map((c) => citationItem(ctx.api, c, knowledgeBaseIds))) : null,
    h('div', { class: 'muted' }, `${run.usage.total_tokens} tokens · ${run.usage.model_calls} model call(s) · ${run.usage.tool_calls} tool call(s)`)));
  log.scrollTop = log.scrollHeight;
}

export const chatScreen: Screen = {
  id: 'chat',
  title: 'Chat playground',
  route: 'chat',
  nav: true,
  permission: 'run_agents',
  render: (ctx) => renderChat(ctx),
};

export const agentChatScreen: Screen = {
  id: 'agent-chat',
  title: 'Chat playground',
  route: 'chat/:agentId',
  permission: 'run_agents',
  render: (ctx) => renderChat(ctx, ctx.params.agentId),
};
