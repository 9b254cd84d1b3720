// Agent Studio: sign-in, the signed-in shell (header, side nav, hash router) and the screens from screens/index.ts.
import { Api, ProblemError, loadApiBaseUrl } from './api';
import { renderSignIn } from './screens/signin';
import { screens } from './screens/index';
import type { Me, Screen, ScreenContext } from './screens/types';
import { h, showProblem } from './ui';

const KEY_STORAGE = 'agentfunctions.studio.key';
const app = document.getElementById('app')!;

// Served at /studio (no slash) the hash links would resolve against the parent folder; put the slash in.
if (/\/studio$/.test(window.location.pathname)) {
  history.replaceState(null, '', `${window.location.pathname}/${window.location.search}${window.location.hash}`);
}

interface Route {
  screen: Screen;
  params: Record<string, string>;
  query: URLSearchParams;
}

function parseHash(): { path: string; query: URLSearchParams } {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?', 2);
  return { path: (path ?? '').replace(/\/$/, ''), query: new URLSearchParams(qs ?? '') };
}

function match(path: string): Route | null {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const screen of screens) {
    const pattern = screen.route.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((segment, i) => {
      if (segment.startsWith(':')) params[segment.slice(1)] = parts[i]!;
      else if (segment !== parts[i]) ok = false;
    });
    if (ok) return { screen, params, query: new URLSearchParams() };
  }
  return null;
}

async function start(): Promise<void> {
  const baseUrl = await loadApiBaseUrl();
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (!key) {
    showSignIn(baseUrl);
    return;
  }
  const api = new Api(baseUrl, key);
  try {
    const me = await api.get<Me>('/me');
    shell(api, me);
  } catch (err) {
    sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(baseUrl, err);
  }
}

function showSignIn(baseUrl: string, err?: unknown): void {
  document.title = 'Sign in · Agent Studio';
  app.replaceChildren();
  renderSignIn(app, async (key) => {
    const api = new Api(baseUrl, key);
    const me = await api.get<Me>('/me');
    sessionStorage.setItem(KEY_STORAGE, key);
    shell(api, me);
  }, err);
}

function signOut(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  window.location.hash = '';
  window.location.reload();
}

function shell(api: Api, me: Me): void {
  const permissions = new Set(me.permissions);
  const can = (permission: string) => permissions.has(permission);
  const visible = screens.filter((s) => s.nav && (!s.permission || can(s.permission)));

  const navLinks = visible.map((s) => h('li', null, h('a', { href: `#/${s.route}`, 'data-screen': s.id }, s.title)));
  const nav = h('nav', { class: 'side-nav', 'aria-label': 'Studio' }, h('ul', null, navLinks));
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  const who = me.user.display_name ? `${me.user.display_name} <${me.user.email}>` : me.user.email;
  const header = h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/me' }, 'Agent Studio'),
    h('dl', { class: 'who' },
      h('div', null, h('dt', null, 'Tenant'), h('dd', { 'data-testid': 'tenant' }, me.tenant_id)),
      h('div', null, h('dt', null, 'User'), h('dd', { 'data-testid': 'user' }, who)),
      h('div', null, h('dt', null, 'Key'), h('dd', null, h('code', null, me.key_id))),
      h('div', null, h('dt', null, 'Role'), h('dd', { 'data-testid': 'role' }, me.effective_role))),
    h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'));
  const skip = h('a', { class: 'skip', href: '#main' }, 'Skip to content');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  app.replaceChildren(skip, header, h('div', { class: 'layout' }, nav, main));

  let generation = 0;
  const render = async () => {
    const mine = ++generation;
    const { path, query } = parseHash();
    const route = match(path || 'me') ?? null;
    for (const link of nav.querySelectorAll('a')) {
      const screenId = link.getAttribute('data-screen');
      // A detail screen marks its list's link: agents/:id marks Agents, run/:id marks Runs.
      const section = route?.screen.route.split('/')[0] ?? '';
      const linkSection = link.getAttribute('href')!.slice(2).split('/')[0];
      const active = route && (route.screen.id === screenId || section === linkSection || `${section}s` === linkSection);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    main.replaceChildren();
    if (!route) {
      document.title = 'Not found · Agent Studio';
      main.append(h('h1', null, 'Not found'));
      showProblem(main, new ProblemError(404, { title: 'Not found', detail: `No Studio screen at #/${path}.` }));
      return;
    }
    document.title = `${route.screen.title} · Agent Studio`;
    if (route.screen.permission && !can(route.screen.permission)) {
      main.append(h('h1', null, route.screen.title));
      showProblem(main, new ProblemError(403, { title: 'Forbidden', status: 403, detail: `This screen needs the ${route.screen.permission} permission; your role is ${me.effective_role}.` }));
      return;
    }
    const ctx: ScreenContext = {
      api, me, root: main, params: route.params, query,
      navigate: (p: string) => { window.location.hash = `#/${p.replace(/^#?\//, '')}`; },
      can,
    };
    try {
      await route.screen.render(ctx);
    } catch (err) {
      if (mine === generation) showProblem(main, err);
    }
    if (mine === generation && document.activeElement === document.body) {
      main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
    }
  };
  window.onhashchange = () => void render();
  void render();
}

void start();
