// Small DOM helpers shared by every screen: no framework, every control labelled, problems shown plainly.
import { Api, Page, ProblemError, type Problem } from './api';

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown> | null;

/** Creates an element: attributes (on* become listeners, `class`, `for`, aria-*, data-* as attributes), then children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === 'value' && 'value' in el) {
      (el as unknown as { value: string }).value = String(value);
    } else if (name === 'checked' && 'checked' in el) {
      (el as unknown as { checked: boolean }).checked = Boolean(value);
    } else {
      el.setAttribute(name === 'className' ? 'class' : name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let idCounter = 0;
/** A unique id for label/control pairs. */
export function uid(prefix = 'f'): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * A labelled form row: `<label for>` + the control (named `name`, so placeErrors finds it) + a hint slot + an error slot.
 */
export function field(label: string, input: HTMLElement, name: string, hint?: string): HTMLDivElement {
  if (!input.id) input.id = uid(name.replace(/[^a-z0-9]/gi, '-'));
  if ('name' in input && !(input as HTMLInputElement).name) (input as HTMLInputElement).name = name;
  const errorId = `${input.id}-error`;
  const hintId = hint ? `${input.id}-hint` : undefined;
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: input.id }, label),
    input,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
    h('div', { id: errorId, class: 'field-error', role: 'alert', hidden: true }));
}

/** Shows an error clearly: status and title, detail, and any field errors as a list. */
export function showProblem(container: HTMLElement, err: unknown): HTMLElement {
  const problem: Problem = err instanceof ProblemError
    ? err.problem
    : { title: 'Something went wrong', detail: err instanceof Error ? err.message : String(err) };
  const status = err instanceof ProblemError ? err.status : problem.status;
  const forbidden = status === 403;
  const box = h('div', { class: `alert${forbidden ? ' alert-forbidden' : ''}`, role: 'alert' },
    h('strong', null, `${status ? `${status} ` : ''}${problem.title ?? 'Error'}`),
    forbidden ? h('p', null, 'Your key\'s role does not allow this.') : null,
    problem.detail ? h('p', null, problem.detail) : null,
    problem.errors
      ? h('ul', null, Object.entries(problem.errors).map(([k, msgs]) => h('li', null, h('code', null, k), ': ', msgs.join('; '))))
      : null);
  container.querySelectorAll(':scope > .alert').forEach((old) => old.remove());
  container.prepend(box);
  return box;
}

/** Clears the field errors of a form. */
export function clearErrors(form: HTMLElement): void {
  form.querySelectorAll<HTMLElement>('.field-error').forEach((el) => {
    el.textContent = '';
    el.hidden = true;
  });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelectorAll(':scope > .alert').forEach((el) => el.remove());
}

/**
 * Puts each `problem.errors[field]` next to the field named so (`data-field` on the row, or a control's name).
 * A field name like `limits.max_loops` matches exactly, then by its first part. Returns the errors it could not place.
 */
export function placeErrors(form: HTMLElement, problem: Problem | ProblemError): Record<string, string[]> {
  const p = problem instanceof ProblemError ? problem.problem : problem;
  clearErrors(form);
  const unplaced: Record<string, string[]> = {};
  let first: HTMLElement | null = null;
  for (const [name, messages] of Object.entries(p.errors ?? {})) {
    const row = findRow(form, name);
    const slot = row?.querySelector<HTMLElement>('.field-error');
    if (!row || !slot) {
      unplaced[name] = messages;
      continue;
    }
    slot.textContent = (slot.textContent ? `${slot.textContent}; ` : '') + messages.join('; ');
    slot.hidden = false;
    const control = row.querySelector<HTMLElement>('input, textarea, select');
    control?.setAttribute('aria-invalid', 'true');
    first ??= control ?? null;
  }
  first?.focus();
  return unplaced;
}

function findRow(form: HTMLElement, name: string): HTMLElement | null {
  const candidates = [name, name.split('.')[0] ?? name, name.replace(/\[\d+\]$/, '')];
  for (const candidate of candidates) {
    const row = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(candidate)}"]`);
    if (row) return row;
  }
  return null;
}

/** Shows a problem on a form: field errors beside their fields, the rest (and the title) in an alert on top. */
export function showFormProblem(form: HTMLElement, err: unknown): void {
  if (err instanceof ProblemError && err.problem.errors) {
    const unplaced = placeErrors(form, err);
    const rest = { ...err.problem, errors: Object.keys(unplaced).length ? unplaced : undefined };
    showProblem(form, new ProblemError(err.status, rest));
  } else {
    clearErrors(form);
    showProblem(form, err);
  }
}

export interface Column<T> {
  header: string;
  cell: (item: T) => Child;
}

/**
 * A table that loads page after page: the first page at once, then a "More" button while next_cursor says there is more.
 * `load(cursor)` fetches one page. Returns the element; `reload()` on it starts over.
 */
export function pagedTable<T>(options: {
  caption: string;
  columns: Column<T>[];
  load: (cursor?: string) => Promise<Page<T>>;
  empty?: string;
  onRow?: (item: T) => void;
}): HTMLElement & { reload: () => Promise<void> } {
  const body = h('tbody');
  const table = h('table', { class: 'table' },
    h('caption', null, options.caption),
    h('thead', null, h('tr', null, options.columns.map((c) => h('th', { scope: 'col' }, c.header)))),
    body);
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More');
  const wrap = h("div", { class: "paged" }, table, status, more) as unknown as HTMLElement & { reload: () => Promise<void> };
  let cursor: string | undefined;
  let count = 0;

  const loadPage = async () => {
    more.disabled = true;
    status.textContent = 'Loading…';
    try {
      const page = await options.load(cursor);
      for (const item of page.items) {
        count += 1;
        const row = h('tr', null, options.columns.map((c) => h('td', null, c.cell(item))));
        body.appendChild(row);
      }
      cursor = page.next_cursor ?? undefined;
      more.hidden = !cursor;
      status.textContent = count === 0 ? (options.empty ?? 'Nothing here yet.') : '';
    } catch (err) {
      status.textContent = '';
      showProblem(wrap, err);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void loadPage());
  wrap.reload = async () => {
    body.replaceChildren();
    cursor = undefined;
    count = 0;
    await loadPage();
  };
  void wrap.reload();
  return wrap;
}

/** Loads one page of a list route for pagedTable. */
export function pageLoader<T>(api: Api, path: string, query?: Record<string, string | undefined>) {
  return (cursor?: string) => api.get<Page<T>>(path, { ...(query ?? {}), cursor });
}

/** A button that copies `text` to the clipboard and says so. */
export function copyButton(text: string, label = 'Copy'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary small' }, label);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied to the clipboard');
    } catch {
      toast('Could not copy: select the text and copy it by hand');
    }
  });
  return button;
}

/** A short message in the corner that goes away by itself. */
export function toast(message: string): void {
  const host = document.getElementById('toasts') ?? document.body;
  const item = h('div', { class: 'toast' }, message);
  host.appendChild(item);
  window.setTimeout(() => item.remove(), 4000);
}

/**
 * Where focus goes when a dialog closes: back to what had it before (the browser does that), or, when that is gone (the
 * form that opened the dialog was replaced), to the screen's heading instead of the page's body.
 */
export function restoreFocusAfter(dialog: HTMLDialogElement): void {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.addEventListener('close', () => {
    window.setTimeout(() => {
      if (document.activeElement && document.activeElement !== document.body) return;
      // The opener may be gone or disabled (a submit button is disabled while its request runs): then the heading.
      if (before?.isConnected) before.focus({ preventScroll: true });
      if (document.activeElement === document.body || !document.activeElement) document.querySelector<HTMLElement>('#main h1')?.focus({ preventScroll: true });
    }, 0);
  });
}

/** A dialog showing a secret once (it is never shown again), with a copy button. Resolves when closed. */
export function secretOnce(title: string, value: string, note = 'This is shown once. Copy it now: it cannot be shown again.'): Promise<void> {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const code = h('code', { class: 'secret' }, value);
    const close = h('button', { type: 'button' }, 'I have copied it');
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', null, note),
      h('div', { class: 'secret-row' }, code, copyButton(value)),
      h('div', { class: 'actions' }, close));
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      code.textContent = '';
      dialog.remove();
      resolve();
    });
    restoreFocusAfter(dialog);
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Formats a timestamp for tables. */
export function when(value: string | null | undefined): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
}

/** A status badge (run status, enabled/disabled, ...). */
export function badge(text: string, kind?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${(kind ?? text).replace(/[^a-z0-9_-]/gi, '')}` }, text.replace(/_/g, ' '));
}

/** A screen heading with optional actions. */
export function heading(title: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'screen-head' }, h('h1', { tabindex: '-1' }, title), h('div', { class: 'actions' }, actions));
}
