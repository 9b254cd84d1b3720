// Sign in: a wrong key is refused clearly, the right one shows tenant, user and role; the nav works from the keyboard.
export default async function (page, ctx) {
  await page.goto(`${ctx.base}/studio`);
  await page.getByLabel('API key').waitFor();
  await ctx.screen('signin');

  await page.getByLabel('API key').fill('afk.nobody.key_wrong.wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '401' });
  await alert.waitFor();
  ctx.check('a wrong key shows a 401 alert', await alert.isVisible());
  ctx.check('a wrong key is not kept', (await page.evaluate(() => sessionStorage.length)) === 0);

  await page.getByLabel('API key').fill(ctx.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="tenant"]').waitFor();
  const me = (await ctx.api('GET', '/me')).json;
  ctx.check('header shows the tenant', (await page.locator('[data-testid="tenant"]').textContent()) === me.tenant_id, me.tenant_id);
  ctx.check('header shows the role', (await page.locator('[data-testid="role"]').textContent()) === me.effective_role, me.effective_role);
  ctx.check('the key is in session storage, not in the URL', !page.url().includes(ctx.key)
    && (await page.evaluate(() => Object.values(sessionStorage))).includes(ctx.key));
  await page.getByRole('heading', { name: 'Who am I' }).waitFor();
  ctx.check('who am I shows the role', (await page.locator('[data-testid="me-role"]').textContent()).startsWith(me.effective_role));
  await ctx.screen('me');

  // Keyboard: from the top of the page, Tab to the side nav and open a screen with Enter.
  const target = 'Agents';
  const hasAgents = (await page.locator('nav.side-nav a', { hasText: target }).count()) > 0;
  const linkName = hasAgents ? target : 'Who am I';
  await page.evaluate(() => { document.activeElement?.blur?.(); window.scrollTo(0, 0); });
  await page.locator('body').focus();
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate((name) => {
      const el = document.activeElement;
      return !!el && el.closest('nav.side-nav') !== null && el.textContent?.trim() === name;
    }, linkName);
  }
  ctx.check(`Tab reaches the '${linkName}' link in the side nav`, reached);
  await page.keyboard.press('Enter');
  await page.locator(`nav.side-nav a[aria-current="page"]`, { hasText: linkName }).waitFor();
  ctx.check('Enter opens the screen and marks it current', true);

  // Sign out forgets the key.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  ctx.check('sign out forgets the key', (await page.evaluate(() => sessionStorage.length)) === 0);

  // A viewer's key: what the role may not use is hidden, and a screen opened anyway shows a clear 403.
  const viewer = (await ctx.api('POST', '/keys', { name: ctx.unique('viewer'), role: 'viewer' })).json;
  await page.getByLabel('API key').fill(viewer.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="role"]', { hasText: 'viewer' }).waitFor();
  const nav = await page.locator('nav.side-nav a').allTextContents();
  ctx.check('a viewer sees no Chat playground in the nav', !nav.includes('Chat playground'), nav.join(', '));
  await page.locator('nav.side-nav').getByRole('link', { name: 'Agents', exact: true }).click();
  await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  ctx.check('a viewer gets no "New agent" button', (await page.getByRole('link', { name: 'New agent' }).count()) === 0);
  await page.goto(`${ctx.studio}#/agents/new`);
  const forbidden = page.getByRole('alert').filter({ hasText: '403' });
  await forbidden.waitFor();
  ctx.check('a screen the role may not use shows a 403', (await forbidden.textContent()).includes('manage_agents'));
  await ctx.screen('forbidden');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
}
