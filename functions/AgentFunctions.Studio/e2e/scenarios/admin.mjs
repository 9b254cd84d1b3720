// Admin: roles and users; a new API key is shown once (it works, and once the dialog closes it is nowhere on the page,
// only its prefix in the list).
export default async function (page, ctx) {
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/admin`);
  await page.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
  await page.getByRole('table', { name: 'Users' }).locator('tbody tr').first().waitFor();

  await page.getByRole('button', { name: 'Add a user' }).click();
  const email = `${ctx.unique('ada')}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('operator');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByRole('table', { name: 'Users' }).locator('tr', { hasText: email }).waitFor();
  ctx.check('a user was added with a role', true, email);

  await page.getByRole('button', { name: 'Create an API key' }).click();
  const keyName = ctx.unique('ci');
  await page.getByLabel('Name', { exact: true }).fill(keyName);
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.locator('dialog code.secret');
  await secret.waitFor();
  const key = (await secret.textContent()).trim();
  ctx.check('the new key is shown', key.startsWith('afk.'));
  await ctx.screen('admin-key-once');
  const me = await fetch(`${ctx.base}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15000) });
  ctx.check('the key shown works', me.status === 200, me.status);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  const row = page.getByRole('table', { name: 'API keys of the tenant' }).locator('tr', { hasText: keyName });
  await row.waitFor();
  ctx.check('the key is shown once: gone from the page after the dialog', !(await page.evaluate((k) => document.body.innerHTML.includes(k), key)));
  ctx.check('the list shows only its prefix', (await row.textContent()).includes(key.split('.').slice(0, 2).join('.')));
  await ctx.screen('admin');
  await viewerSees(page, ctx);
}

// A viewer's key on these screens: the controls its role may not use are not there, and a screen it may not open
// says 403 plainly.
export async function viewerSees(page, ctx) {
  const me = (await ctx.api('GET', '/me')).json;
  const viewer = (await ctx.api('POST', '/keys', { name: ctx.unique('viewer'), user_id: me.user.id, role: 'viewer' })).json;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').fill(viewer.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="role"]', { hasText: 'viewer' }).waitFor();
  await page.goto(`${ctx.studio}#/tools`);
  await page.getByRole('table', { name: 'Registered tools' }).waitFor();
  ctx.check('a viewer sees no Register button', (await page.getByRole('button', { name: 'Register a tool' }).count()) === 0);
  await page.goto(`${ctx.studio}#/triggers`);
  await page.getByRole('heading', { name: 'Triggers', level: 1 }).waitFor();
  ctx.check('a viewer sees no Create trigger button', (await page.getByRole('button', { name: 'Create a trigger' }).count()) === 0);
  ctx.check('a viewer has no Usage link', (await page.locator('nav.side-nav a', { hasText: 'Usage and billing' }).count()) === 0);
  await page.goto(`${ctx.studio}#/usage`);
  await page.getByRole('alert').filter({ hasText: '403' }).waitFor();
  ctx.check('a viewer opening Usage sees a clear 403', true);
  await ctx.screen('viewer-usage-403');
}
