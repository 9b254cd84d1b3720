// Agents: the tenant's agents, paged, with a way to create one.
import { badge, h, heading, pagedTable, pageLoader, when } from '../ui';
import type { Agent } from './agent-model';
import type { Screen } from './types';

export const agentsScreen: Screen = {
  id: 'agents',
  title: 'Agents',
  route: 'agents',
  nav: true,
  permission: 'view_agents',
  render(ctx) {
    const create = ctx.can('manage_agents')
      ? h('a', { class: 'button-link', href: '#/agents/new', }, 'New agent')
      : null;
    ctx.root.append(
      heading('Agents', create),
      h('p', { class: 'muted' }, 'Every change to an agent is kept as a version; open an agent to edit it, compare versions, roll back, chat with it or see its runs.'),
      pagedTable<Agent>({
        caption: 'Agents',
        load: pageLoader<Agent>(ctx.api, '/agents', { limit: /^\d{1,3}$/.test(ctx.query.get('limit') ?? '') ? ctx.query.get('limit')! : '20' }),
        empty: 'No agents yet. Create one with "New agent".',
        columns: [
          { header: 'Name', cell: (a) => h('a', { href: `#/agents/${encodeURIComponent(a.id)}` }, a.spec.name) },
          { header: 'Model', cell: (a) => h('code', null, a.spec.model) },
          { header: 'Version', cell: (a) => `v${a.version}${a.latest_version !== a.version ? ` (latest v${a.latest_version})` : ''}` },
          { header: 'State', cell: (a) => badge(a.enabled ? 'enabled' : 'disabled') },
          { header: 'Tools', cell: (a) => a.spec.tools.join(', ') || '—' },
          { header: 'Updated', cell: (a) => when(a.updated_at) },
          {
            header: 'Open',
            cell: (a) => h('span', { class: 'actions' },
              // The accessible name starts with the visible word (WCAG 2.5.3, label in name): "Chat" + a hidden " with <name>".
              ctx.can('run_agents') ? h('a', { href: `#/chat/${encodeURIComponent(a.id)}` }, 'Chat', h('span', { class: 'sr-only' }, ` with ${a.spec.name}`)) : null,
              ctx.can('view_runs') ? h('a', { href: `#/runs/${encodeURIComponent(a.id)}` }, 'Runs', h('span', { class: 'sr-only' }, ` of ${a.spec.name}`)) : null),
          },
        ],
      }));
  },
};
