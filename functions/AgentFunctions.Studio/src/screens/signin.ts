// Sign in with an API key (kept in sessionStorage only) and "who am I": tenant, user, role and what the key may do.
import { h, field, showProblem, heading, copyButton } from '../ui';
import type { Screen } from './types';

/** The sign-in form shown before the shell; `onKey` checks the key (GET /me) and throws a ProblemError when it is refused. */
export function renderSignIn(root: HTMLElement, onKey: (key: string) => Promise<void>, error?: unknown): void {
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'afk.default.key_…' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Agent Studio'),
    h('p', null, 'Sign in with an API key. The local host prints the admin key of tenant ', h('code', null, 'default'),
      ' at its first start. The key stays in this browser tab only (session storage).'),
    h('p', { class: 'muted' }, 'Lost it? Only its hash is stored: stop the host, delete the data folder it printed, and start it again for a new key.'),
    field('API key', input, 'key'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    try {
      await onKey(key);
    } catch (err) {
      showProblem(form, err);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.replaceChildren(h('main', { id: 'main', class: 'signin-page' }, form));
  if (error) showProblem(form, error);
  input.focus();
}

const permissionNames: Record<string, string> = {
  view_agents: 'See agents, tools and knowledge bases',
  manage_agents: 'Create and change agents',
  run_agents: 'Run agents, chat, approve and cancel runs',
  view_runs: 'See runs and conversations',
  manage_tools: 'Register tools',
  manage_knowledge: 'Manage knowledge bases and documents',
  view_billing: 'See usage and invoices',
  manage_keys: 'Manage everyone\'s API keys',
  manage_credentials: 'Manage credentials',
  manage_users: 'Manage users and teams',
  manage_triggers: 'Manage triggers',
  view_audit: 'Read audit trails',
  manage_tenant_data: 'Export the tenant, set retention',
};

export const meScreen: Screen = {
  id: 'me',
  title: 'Who am I',
  route: 'me',
  nav: true,
  render(ctx) {
    const { me } = ctx;
    ctx.root.append(
      heading('Who am I'),
      h('dl', { class: 'facts card' },
        h('dt', null, 'Tenant'), h('dd', null, h('code', null, me.tenant_id), ' ', copyButton(me.tenant_id, 'Copy tenant id')),
        h('dt', null, 'User'), h('dd', null, me.user.display_name ? `${me.user.display_name} ` : '', h('code', null, me.user.email)),
        h('dt', null, 'User id'), h('dd', null, h('code', null, me.user.id)),
        h('dt', null, 'Role'), h('dd', { 'data-testid': 'me-role' }, me.effective_role, me.effective_role !== me.user.role ? ` (key narrowed from ${me.user.role})` : ''),
        h('dt', null, 'Key id'), h('dd', null, h('code', null, me.key_id))),
      h('h2', null, 'What this key may do'),
      h('ul', { class: 'permissions' },
        Object.entries(permissionNames).map(([name, text]) =>
          h('li', { class: me.permissions.includes(name) ? 'yes' : 'no' },
            h('span', { class: 'sr-only' }, me.permissions.includes(name) ? 'Allowed: ' : 'Not allowed: '),
            text, ' ', h('code', null, name)))),
      h('p', { class: 'muted' }, 'Screens and buttons your role may not use are hidden; if the API still refuses something, the Studio shows its 403.'));
  },
};
