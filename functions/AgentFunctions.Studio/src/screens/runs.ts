// Runs: per agent, filtered by status; a run's timeline (steps, model and tool calls, durations, tokens, errors), with
// approve or reject for a run awaiting approval, and cancel. A running run's screen follows its event stream live.
import { collect } from '../api';
import { badge, field, h, heading, pagedTable, pageLoader, showProblem, toast, when } from '../ui';
import type { Agent } from './agent-model';
import { citationItem, isFinal, ms, runStatuses, stepItem, toolCallItem, type RunSummary, type RunView } from './run-model';
import type { Screen, ScreenContext } from './types';

async function agentPicker(ctx: ScreenContext, selected: string | undefined, onPick: (id: string) => void): Promise<HTMLElement> {
  const agents = await collect<Agent>(ctx.api, '/agents');
  const select = h('select', null,
    h('option', { value: '' }, agents.length ? 'Choose an agent…' : 'No agents yet'),
    agents.map((a) => h('option', { value: a.id, selected: a.id === selected }, `${a.spec.name} (${a.id})`)));
  select.addEventListener('change', () => select.value && onPick(select.value));
  return field('Agent', select, 'agent');
}

async function renderRuns(ctx: ScreenContext, agentId?: string) {
  ctx.root.append(heading('Runs'), await agentPicker(ctx, agentId, (id) => ctx.navigate(`runs/${encodeURIComponent(id)}`)));
  if (!agentId) {
    ctx.root.append(h('p', { class: 'muted' }, 'Pick an agent to see its runs.'));
    return;
  }
  const status = ctx.query.get('status') ?? '';
  const filter = h('select', null,
    h('option', { value: '' }, 'Any status'),
    runStatuses.map((s) => h('option', { value: s, selected: s === status }, s.replace(/_/g, ' '))));
  filter.addEventListener('change', () =>
    ctx.navigate(`runs/${encodeURIComponent(agentId)}${filter.value ? `?status=${encodeURIComponent(filter.value)}` : ''}`));
  ctx.root.append(
    field('Status', filter, 'status'),
    pagedTable<RunSummary>({
      caption: status ? `Runs with status ${status.replace(/_/g, ' ')}, newest first` : 'Runs, newest first',
      load: pageLoader<RunSummary>(ctx.api, `/agents/${encodeURIComponent(agentId)}/runs`, { limit: '20', status: status || undefined }),
      empty: 'No runs.',
      columns: [
        { header: 'Run', cell: (r) => h('a', { href: `#/run/${encodeURIComponent(r.id)}` }, r.id) },
        { header: 'Status', cell: (r) => badge(r.status) },
        { header: 'Version', cell: (r) => `v${r.agent_version}` },
        { header: 'Started', cell: (r) => when(r.created_at) },
        { header: 'Took', cell: (r) => (r.ended_at ? ms(new Date(r.ended_at).getTime() - new Date(r.created_at).getTime()) : '…') },
        { header: 'Tokens', cell: (r) => String(r.usage.total_tokens) },
        { header: 'Tool calls', cell: (r) => String(r.usage.tool_calls) },
        { header: 'Reason', cell: (r) => r.reason ?? '' },
      ],
    }));
}

export const runsScreen: Screen = {
  id: 'runs',
  title: 'Runs',
  route: 'runs',
  nav: true,
  permission: 'view_runs',
  render: (ctx) => renderRuns(ctx),
};

export const agentRunsScreen: Screen = {
  id: 'agent-runs',
  title: 'Runs',
  route: 'runs/:agentId',
  permission: 'view_runs',
  render: (ctx) => renderRuns(ctx, ctx.params.agentId),
};

export const runScreen: Screen = {
  id: 'run',
  title: 'Run',
  route: 'run/:runId',
  permission: 'view_runs',
  async render(ctx) {
    const id = ctx.params.runId!;
    const path = `/runs/${encodeURIComponent(id)}`;
    const body = h('div', { class: 'run' });
    ctx.root.append(heading(`Run ${id}`), body);
    let knowledgeBaseIds: string[] = [];
    let agentName = '';

    const draw = (run: RunView) => {
      const created = new Date(run.created_at).getTime();
      const took = run.ended_at ? new Date(run.ended_at).getTime() - created : Date.now() - created;
      const decide = h('div', { class: 'actions' });
      if (run.status === 'awaiting_approval' && ctx.can('run_agents')) {
        const reason = h('input', { type: 'text', placeholder: 'optional' });
        decide.append(
          h('p', null, 'This run waits for your approval to call ', h('code', null, run.pending_approval_tool ?? 'a tool'), '.'),
          field('Reason', reason, 'reason'),
          h('button', { type: 'button', onclick: () => void act('approve', { call_id: run.pending_approval_call_id, reason: reason.value || undefined }) }, 'Approve'),
          h('button', { type: 'button', class: 'danger', onclick: () => void act('reject', { call_id: run.pending_approval_call_id, reason: reason.value || undefined }) }, 'Reject'));
      }
      if (!isFinal(run.status) && ctx.can('run_agents')) {
        decide.append(h('button', { type: 'button', class: 'secondary', onclick: () => void act('cancel') }, 'Cancel run'));
      }
      body.replaceChildren(h('div', null,
        h('dl', { class: 'facts card' },
          h('dt', null, 'Status'), h('dd', { 'data-testid': 'run-status' }, badge(run.status)),
          h('dt', null, 'Agent'), h('dd', null, h('a', { href: `#/agents/${encodeURIComponent(run.agent_id)}` }, agentName || run.agent_id), ` (version ${run.agent_version})`),
          run.session_id ? [h('dt', null, 'Session'), h('dd', null, h('a', { href: `#/chat/${encodeURIComponent(run.agent_id)}?session=${encodeURIComponent(run.session_id)}` }, run.session_id))] : null,
          run.parent_run_id ? [h('dt', null, 'Parent run'), h('dd', null, h('a', { href: `#/run/${encodeURIComponent(run.parent_run_id)}` }, run.parent_run_id))] : null,
          h('dt', null, 'Started'), h('dd', null, when(run.created_at)),
          h('dt', null, 'Duration'), h('dd', null, `${ms(took)}${run.ended_at ? '' : ' so far'}`),
          h('dt', null, 'Tokens'), h('dd', null, `${run.usage.input_tokens} in, ${run.usage.output_tokens} out (${run.usage.total_tokens} total)`),
          h('dt', null, 'Calls'), h('dd', null, `${run.usage.model_calls} model, ${run.usage.tool_calls} tool`),
          run.reason ? [h('dt', null, 'Reason'), h('dd', { class: 'error-text' }, run.reason)] : null),
        decide,
        run.answer ? h('section', { 'aria-labelledby': 'answer-title' }, h('h2', { id: 'answer-title' }, 'Answer'), h('pre', { 'data-testid': 'run-answer' }, run.answer)) : null,
        h('section', { 'aria-labelledby': 'timeline-title' },
          h('h2', { id: 'timeline-title' }, 'Timeline'),
          run.steps.length
            ? h('ol', { class: 'timeline', 'data-testid': 'timeline' }, run.steps.map((s, i) => stepItem(s, i === 0 ? run.created_at : run.steps[i - 1]!.at)))
            : h('p', { class: 'muted' }, 'No steps yet.')),
        h('section', { 'aria-labelledby': 'tools-title' },
          h('h2', { id: 'tools-title' }, 'Tool calls'),
          run.tool_calls.length ? run.tool_calls.map(toolCallItem) : h('p', { class: 'muted' }, 'None.')),
        run.citations.length
          ? h('section', { 'aria-labelledby': 'citations-title' }, h('h2', { id: 'citations-title' }, 'Citations'),
            run.citations.map((c) => citationItem(ctx.api, c, knowledgeBaseIds)))
          : null));
    };

    const load = async () => {
      const run = await ctx.api.get<RunView>(path);
      draw(run);
      return run;
    };

    const act = async (action: 'approve' | 'reject' | 'cancel', payload?: unknown) => {
      try {
        await ctx.api.post(`${path}/${action}`, payload);
        toast(action === 'approve' ? 'Approved' : action === 'reject' ? 'Rejected' : 'Cancel requested');
        const run = await load();
        if (!isFinal(run.status)) follow();
      } catch (err) {
        showProblem(body, err);
      }
    };

    let following: AbortController | null = null;
    const follow = () => {
      following?.abort();
      const controller = new AbortController();
      following = controller;
      window.addEventListener('hashchange', () => controller.abort(), { once: true });
      // Each event: read the run again (steps, status, usage); one read in flight, and one more if events came meanwhile.
      let loading = false;
      let dirty = false;
      const refresh = async () => {
        dirty = true;
        if (loading) return;
        loading = true;
        try {
          while (dirty && !controller.signal.aborted) {
            dirty = false;
            await load().catch(() => undefined);
          }
        } finally {
          loading = false;
        }
      };
      void ctx.api.sse(`${path}/events`, {}, () => void refresh(), controller.signal)
        .then(() => refresh())
        .catch((err) => showProblem(ctx.root, err));
    };

    const run = await load();
    try {
      const agent = await ctx.api.get<Agent>(`/agents/${encodeURIComponent(run.agent_id)}`);
      agentName = agent.spec.name;
      knowledgeBaseIds = agent.spec.knowledge.knowledge_base_ids ?? [];
      draw(run);
    } catch {
      // The agent may be gone; the run still reads.
    }
    if (!isFinal(run.status)) follow();
  },
};
