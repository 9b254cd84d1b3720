// One agent: create, edit every field (errors placed on the fields), enable/disable, versions with a side-by-side
// diff and rollback, and the tools and knowledge bases attached to it.
import { ProblemError } from '../api';
import { badge, h, heading, pagedTable, pageLoader, showFormProblem, showProblem, toast, when, field } from '../ui';
import { agentForm, defaultSpec, type Agent, type AgentSpec, type AgentVersion } from './agent-model';
import type { Screen } from './types';

export const agentNewScreen: Screen = {
  id: 'agent-new',
  title: 'New agent',
  route: 'agents/new',
  permission: 'manage_agents',
  async render(ctx) {
    const { form, read } = await agentForm(ctx.api, defaultSpec, { create: true, submitLabel: 'Create agent' });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const created = await ctx.api.post<Agent>('/agents', read());
        toast(`Agent ${created.spec.name} created`);
        ctx.navigate(`agents/${encodeURIComponent(created.id)}`);
      } catch (err) {
        showFormProblem(form, err);
      }
    });
    ctx.root.append(heading('New agent', h('a', { href: '#/agents' }, 'Back to agents')), form);
  },
};

export const agentScreen: Screen = {
  id: 'agent',
  title: 'Agent',
  route: 'agents/:agentId',
  permission: 'view_agents',
  async render(ctx) {
    const id = ctx.params.agentId!;
    let { value: agent, etag } = await ctx.api.getWithETag<Agent>(`/agents/${encodeURIComponent(id)}`);
    const canManage = ctx.can('manage_agents');

    const state = h('span', { 'data-testid': 'agent-state' });
    const toggle = h('button', { type: 'button', class: 'secondary', hidden: !canManage });
    const title = h('h1', { tabindex: '-1' });
    const summary = h('p', { class: 'muted' });
    const paint = () => {
      title.textContent = agent.spec.name;
      state.replaceChildren(badge(agent.enabled ? 'enabled' : 'disabled'));
      toggle.textContent = agent.enabled ? 'Disable' : 'Enable';
      summary.textContent = `${agent.id} · version ${agent.version} of ${agent.latest_version} · team ${agent.team_id} · updated ${when(agent.updated_at)}`;
    };
    paint();
    toggle.addEventListener('click', async () => {
      try {
        ({ value: agent, etag } = await ctx.api.sendWithETag<Agent>('POST', `/agents/${encodeURIComponent(id)}/${agent.enabled ? 'disable' : 'enable'}`, undefined, etag));
        paint();
        toast(`Agent ${agent.enabled ? 'enabled' : 'disabled'}`);
      } catch (err) {
        showProblem(ctx.root, err);
      }
    });

    const head = h('div', { class: 'screen-head' },
      h('div', null, title, summary),
      h('div', { class: 'actions' }, state, toggle,
        ctx.can('run_agents') ? h('a', { class: 'button-link', href: `#/chat/${encodeURIComponent(id)}` }, 'Chat') : null,
        ctx.can('view_runs') ? h('a', { href: `#/runs/${encodeURIComponent(id)}` }, 'Runs') : null));

    const attached = h('section', { class: 'card', 'aria-labelledby': 'attached-title' });
    const paintAttached = () => attached.replaceChildren(
      h('h2', { id: 'attached-title' }, 'Attached tools and knowledge bases'),
      h('p', null, h('strong', null, 'Tools: '), agent.spec.tools.length ? agent.spec.tools.map((t, i) => [i ? ', ' : '', h('code', null, t)]) : 'none'),
      h('p', null, h('strong', null, 'Knowledge: '),
        agent.spec.knowledge.enabled ? `on (top ${agent.spec.knowledge.top_k}, min score ${agent.spec.knowledge.min_score}) from ` : 'off; bases: ',
        (agent.spec.knowledge.knowledge_base_ids ?? []).length ? (agent.spec.knowledge.knowledge_base_ids ?? []).map((k, i) => [i ? ', ' : '', h('code', null, k)]) : 'none'));
    paintAttached();

    const editSection = h('section', { 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title' }, canManage ? 'Edit' : 'Definition'));
    const versions = h('section', { 'aria-labelledby': 'versions-title' });
    const renderEdit = async () => {
      const { form, read } = await agentForm(ctx.api, agent.spec, { create: false, submitLabel: 'Save as a new version', disabled: !canManage });
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        try {
          ({ value: agent, etag } = await ctx.api.sendWithETag<Agent>('PUT', `/agents/${encodeURIComponent(id)}`, read(), etag));
          paint();
          paintAttached();
          toast(`Saved as version ${agent.version}`);
          await renderVersions();
          await renderEdit();
        } catch (err) {
          if (err instanceof ProblemError && err.status === 412) {
            showFormProblem(form, new ProblemError(412, { ...err.problem, detail: `${err.problem.detail ?? ''} Reload the page to edit the latest version.` }));
          } else {
            showFormProblem(form, err);
          }
        }
      });
      editSection.replaceChildren(h('h2', { id: 'edit-title' }, canManage ? 'Edit' : 'Definition'), form);
    };

    const renderVersions = async () => {
      const left = h('select', null);
      const right = h('select', null);
      const diffBox = h('div', { class: 'diff-box', 'aria-live': 'polite' });
      const all: AgentVersion[] = [];
      const fillSelects = () => {
        for (const select of [left, right]) {
          const current = select.value;
          select.replaceChildren(...all.map((v) => h('option', { value: String(v.number) }, `v${v.number}${v.number === agent.version ? ' (active)' : ''}`)));
          if (current) select.value = current;
        }
        if (!left.value || left.value === right.value) left.value = String(Math.max(1, agent.version - 1));
        if (!right.value || right.value === left.value) right.value = String(agent.version);
      };
      const showDiff = () => {
        const a = all.find((v) => String(v.number) === left.value);
        const b = all.find((v) => String(v.number) === right.value);
        diffBox.replaceChildren(a && b ? sideBySide(`v${a.number}`, a.spec, `v${b.number}`, b.spec) : h('p', { class: 'muted' }, 'Pick two versions.'));
      };
      left.addEventListener('change', showDiff);
      right.addEventListener('change', showDiff);
      const table = pagedTable<AgentVersion>({
        caption: 'Versions (oldest first)',
        load: async (cursor) => {
          const page = await pageLoader<AgentVersion>(ctx.api, `/agents/${encodeURIComponent(id)}/versions`, { limit: '50' })(cursor);
          all.push(...page.items);
          fillSelects();
          showDiff();
          return page;
        },
        columns: [
          { header: 'Version', cell: (v) => [`v${v.number}`, v.number === agent.version ? [' ', badge('active', 'completed')] : null] },
          { header: 'Created', cell: (v) => when(v.created_at) },
          { header: 'By', cell: (v) => h('code', null, v.created_by) },
          { header: 'Model', cell: (v) => h('code', null, v.spec.model) },
          {
            header: 'Rollback',
            cell: (v) => canManage && v.number !== agent.version
              ? h('button', { type: 'button', class: 'secondary small', onclick: () => void rollback(v.number) }, `Roll back to version ${v.number}`)
              : '—',
          },
        ],
      });
      versions.replaceChildren(
        h('h2', { id: 'versions-title' }, 'Versions'),
        table,
        h('h3', null, 'Compare'),
        h('div', { class: 'actions' }, field('From', left, 'diff_from'), field('To', right, 'diff_to')),
        diffBox);
    };

    const rollback = async (number: number) => {
      try {
        ({ value: agent, etag } = await ctx.api.sendWithETag<Agent>('POST', `/agents/${encodeURIComponent(id)}/rollback`, { version: number }, etag));
        paint();
        paintAttached();
        toast(`Rolled back: version ${agent.version} is active again`);
        await renderVersions();
        await renderEdit();
      } catch (err) {
        showProblem(versions, err);
      }
    };

    ctx.root.append(head, attached, editSection, versions);
    await Promise.all([renderEdit(), renderVersions()]);
  },
};

/** Pretty JSON of a spec, one line per value, keys in a fixed order (so two versions line up). */
function specLines(spec: AgentSpec): string[] {
  const sorted = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  return JSON.stringify(sorted(spec), null, 2).split('\n');
}

/** A side-by-side line diff (longest common subsequence): removed lines on the left, added on the right. */
export function sideBySide(leftTitle: string, left: AgentSpec, rightTitle: string, right: AgentSpec): HTMLElement {
  const a = specLines(left);
  const b = specLines(right);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  // Walk the table into same/removed/added runs, then pair a removed run with the added run after it on the same rows.
  const ops: { kind: 'same' | 'del' | 'add'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: 'add', text: b[j]! });
      j++;
    } else {
      ops.push({ kind: 'del', text: a[i]! });
      i++;
    }
  }
  const leftRows: HTMLElement[] = [];
  const rightRows: HTMLElement[] = [];
  const line = (text: string, cls?: string) => h('span', { class: cls ? `line ${cls}` : 'line' }, `${text}\n`);
  let changes = 0;
  for (let k = 0; k < ops.length;) {
    if (ops[k]!.kind === 'same') {
      leftRows.push(line(ops[k]!.text));
      rightRows.push(line(ops[k]!.text));
      k++;
      continue;
    }
    const removed: string[] = [];
    const added: string[] = [];
    while (k < ops.length && ops[k]!.kind !== 'same') {
      (ops[k]!.kind === 'del' ? removed : added).push(ops[k]!.text);
      k++;
    }
    for (let r = 0; r < Math.max(removed.length, added.length); r++) {
      leftRows.push(r < removed.length ? line(`- ${removed[r]}`, 'line-removed') : line('', 'line-changed'));
      rightRows.push(r < added.length ? line(`+ ${added[r]}`, 'line-added') : line('', 'line-changed'));
      changes++;
    }
  }
  return h('div', null,
    h('p', { 'data-testid': 'diff-summary' }, changes === 0 ? 'The two versions are the same.' : `${changes} line(s) differ.`),
    h('div', { class: 'diff' },
      h('figure', null, h('figcaption', null, leftTitle), h('pre', { tabindex: '0', 'aria-label': `${leftTitle} definition` }, leftRows)),
      h('figure', null, h('figcaption', null, rightTitle), h('pre', { tabindex: '0', 'aria-label': `${rightTitle} definition` }, rightRows))));
}

