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
}
