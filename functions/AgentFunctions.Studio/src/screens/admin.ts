// Admin: users and their roles, and API keys (a new key is shown once, then only its prefix).
import type { Page } from '../api';
import { h, field, heading, pagedTable, pageLoader, showFormProblem, showProblem, clearErrors, badge, toast, when, secretOnce } from '../ui';
import type { Screen, ScreenContext } from './types';

interface UserView {
  id: string;
  email: string;
  display_name?: string | null;
  role: string;
  team_ids: string[];
  disabled: boolean;
  created_at: string;
}

interface ApiKeyView {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  role?: string | null;
  created_at: string;
  expires_at?: string | null;
  revoked_at?: string | null;
}

const ROLES = ['admin', 'operator', 'viewer'];

const roleText: Record<string, string> = {
  admin: 'everything, including users, keys, credentials, billing and tenant data',
  operator: 'build and run agents, tools, triggers and knowledge; no users or billing',
  viewer: 'read agents, runs and knowledge; run nothing',
};

function roleSelect(selected?: string, withInherit = false): HTMLSelectElement {
  return h('select', null,
    withInherit ? h('option', { value: '' }, 'the user\'s role') : null,
    ROLES.map((r) => h('option', { value: r, selected: r === selected ? true : undefined }, r)));
}

function userForm(ctx: ScreenContext, done: () => void): HTMLElement {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const display = h('input', { type: 'text' });
  const role = roleSelect('viewer');
  const submit = h('button', { type: 'submit' }, 'Add user');
  const form = h('form', { class: 'card', 'aria-label': 'Add a user', novalidate: true },
    h('h2', null, 'Add a user'), field('Email', email, 'email'), field('Display name', display, 'display_name'), field('Role', role, 'role'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await ctx.api.post('/users', { email: email.value.trim(), display_name: display.value.trim() || undefined, role: role.value });
      toast(`Added ${email.value.trim()}`);
      done();
    } catch (err) {
      showFormProblem(form, err);
    }
  });
  return form;
}

function keyForm(ctx: ScreenContext, users: UserView[], done: () => void): HTMLElement {
  const name = h('input', { type: 'text', required: true, placeholder: 'ci pipeline' });
  const user = h('select', null, (users.length ? users : [{ id: ctx.me.user.id, email: ctx.me.user.email } as UserView])
    .map((u) => h('option', { value: u.id, selected: u.id === ctx.me.user.id ? true : undefined }, `${u.email} (${u.id})`)));
  const role = roleSelect(undefined, true);
  const expires = h('input', { type: 'date' });
  const submit = h('button', { type: 'submit' }, 'Create key');
  const form = h('form', { class: 'card', 'aria-label': 'Create an API key', novalidate: true },
    h('h2', null, 'Create an API key'),
    field('Name', name, 'name'),
    field('For user', user, 'user_id'),
    field('Role (narrower than the user\'s, or the same)', role, 'role'),
    field('Expires (optional)', expires, 'expires_at'),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const issued = await ctx.api.post<{ api_key: ApiKeyView; key: string }>('/keys', {
        name: name.value.trim(),
        user_id: user.value,
        role: role.value || undefined,
        expires_at: expires.value ? new Date(`${expires.value}T00:00:00Z`).toISOString() : undefined,
      });
      done();
      await secretOnce(`API key ${issued.api_key.name}`, issued.key, 'This key is shown once. Copy it now: only its prefix is kept and shown from now on.');
    } catch (err) {
      showFormProblem(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export const adminScreen: Screen = {
  id: 'admin',
  title: 'Admin',
  route: 'admin',
  nav: true,
  async render(ctx) {
    const manageUsers = ctx.can('manage_users');
    const users: UserView[] = [];
    if (manageUsers) {
      try {
        const first = await ctx.api.get<Page<UserView>>('/users', { limit: 200 });
        users.push(...first.items);
      } catch (err) {
        showProblem(ctx.root, err);
      }
    }
    const userPanel = h('div');
    const keyPanel = h('div');

    const userTable = manageUsers ? pagedTable<UserView>({
      caption: 'Users',
      columns: [
        { header: 'Email', cell: (u) => u.email },
        { header: 'Name', cell: (u) => u.display_name ?? '' },
        {
          header: 'Role',
          cell: (u) => {
            const select = roleSelect(u.role);
            select.setAttribute('aria-label', `Role of ${u.email}`);
            select.addEventListener('change', async () => {
              try {
                await ctx.api.patch(`/users/${encodeURIComponent(u.id)}`, { role: select.value });
                toast(`${u.email} is now ${select.value}`);
              } catch (err) {
                select.value = u.role;
                showProblem(userPanel, err);
              }
            });
            return select;
          },
        },
        { header: 'Status', cell: (u) => badge(u.disabled ? 'disabled' : 'enabled') },
        { header: 'Created', cell: (u) => when(u.created_at) },
      ],
      load: pageLoader<UserView>(ctx.api, '/users'),
    }) : null;
    const addUser = h('button', { type: 'button', hidden: !manageUsers }, 'Add a user');
    addUser.addEventListener('click', () => {
      userPanel.replaceChildren(userForm(ctx, () => { userPanel.replaceChildren(); void userTable?.reload(); }));
      userPanel.querySelector('input')?.focus();
    });

    const keyTable = pagedTable<ApiKeyView>({
      caption: ctx.can('manage_keys') ? 'API keys of the tenant' : 'Your API keys',
      columns: [
        { header: 'Name', cell: (k) => k.name },
        { header: 'Prefix', cell: (k) => h('code', null, `${k.prefix}…`) },
        { header: 'User', cell: (k) => h('code', null, k.user_id) },
        { header: 'Role', cell: (k) => k.role ?? 'the user\'s' },
        { header: 'Created', cell: (k) => when(k.created_at) },
        { header: 'Expires', cell: (k) => when(k.expires_at) || 'never' },
        {
          header: 'Status',
          cell: (k) => k.revoked_at ? badge('revoked', 'refused') : k.id === ctx.me.key_id ? 'this session' : h('button', {
            type: 'button', class: 'danger small',
            onclick: async () => {
              if (!window.confirm(`Revoke key ${k.name}? Calls with it stop at once.`)) return;
              try {
                await ctx.api.del(`/keys/${encodeURIComponent(k.id)}`);
                void keyTable.reload();
              } catch (err) {
                showProblem(keyPanel, err);
              }
            },
          }, `Revoke ${k.name}`),
        },
      ],
      load: pageLoader<ApiKeyView>(ctx.api, '/keys'),
    });
    const addKey = h('button', { type: 'button' }, 'Create an API key');
    addKey.addEventListener('click', () => {
      keyPanel.replaceChildren(keyForm(ctx, users, () => { keyPanel.replaceChildren(); void keyTable.reload(); }));
      keyPanel.querySelector('input')?.focus();
    });

    ctx.root.append(heading('Admin'),
      h('h2', null, 'Roles'),
      h('dl', { class: 'facts card' }, ROLES.map((r) => [h('dt', null, r), h('dd', null, roleText[r])])),
      h('section', { 'aria-label': 'Users' }, manageUsers ? [h('div', { class: 'screen-head' }, h('h2', null, 'Users'), addUser), userPanel, userTable]
        : h('p', { class: 'muted' }, 'Managing users needs the manage_users permission.')),
      h('div', { class: 'screen-head' }, h('h2', null, 'API keys'), addKey), keyPanel, keyTable);
  },
};
