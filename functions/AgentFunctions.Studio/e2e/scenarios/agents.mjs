// Agents: create one through the form (a bad value first: the API's field error lands beside its field), edit it
// into version 2, compare the versions side by side, roll back, disable and enable it.
export default async function (page, ctx) {
  await ctx.signIn();
  await page.getByRole('link', { name: 'Agents', exact: true }).click();
  await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  await page.locator('table.table').first().waitFor();
  await ctx.screen('agents');

  await page.getByRole('link', { name: 'New agent' }).click();
  await page.getByRole('heading', { name: 'New agent' }).waitFor();
  const name = ctx.unique('support-bot');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('System prompt').fill('You answer support questions.');
  await page.getByLabel('Rules (one per line)').fill('Be brief.\nCite the time when asked.');
  await page.getByLabel('builtin.current_time').check();
  await page.getByLabel('Loops').fill('0');
  await page.getByRole('button', { name: 'Create agent' }).click();
  const loopsError = page.locator('[data-field="limits.max_loops"] .field-error');
  await loopsError.waitFor({ state: 'visible' });
  ctx.check('the API\'s error is placed on the Loops field', (await loopsError.textContent()).includes('between 1 and 50'), await loopsError.textContent());
  ctx.check('the field is marked invalid', (await page.getByLabel('Loops').getAttribute('aria-invalid')) === 'true');
  await ctx.screen('agent-new-errors');

  await page.getByLabel('Loops').fill('4');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  const agentId = page.url().split('#/agents/')[1];
  ctx.check('the new agent opens', agentId?.startsWith('agt_'), page.url());
  const created = (await ctx.api('GET', `/agents/${agentId}`)).json;
  ctx.check('every field was sent', created.spec.limits.max_loops === 4 && created.spec.rules.length === 2
    && created.spec.tools.includes('builtin.current_time') && created.spec.system_prompt === 'You answer support questions.');

  // Edit: a second version.
  await page.getByLabel('System prompt').fill('You answer support questions politely.');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/version 2 of 2/).waitFor();
  await page.locator('[data-testid="diff-summary"]', { hasText: 'differ' }).waitFor();
  ctx.check('the diff shows the changed prompt', await page.locator('.diff .line-added', { hasText: 'politely' }).count() === 1);
  await page.getByRole('heading', { name: 'Versions' }).scrollIntoViewIfNeeded();
  await ctx.screen('agent-versions');

  // Roll back: version 1 is active again (version 2 stays in the history).
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await page.getByText(/version 1 of 2/).waitFor();
  const rolled = (await ctx.api('GET', `/agents/${agentId}`)).json;
  ctx.check('rollback restored version 1\'s prompt', rolled.spec.system_prompt === 'You answer support questions.', rolled.spec.system_prompt);

  await page.getByRole('button', { name: 'Disable' }).click();
  await page.locator('[data-testid="agent-state"]', { hasText: 'disabled' }).waitFor();
  ctx.check('disable', (await ctx.api('GET', `/agents/${agentId}`)).json.enabled === false);
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.locator('[data-testid="agent-state"]', { hasText: 'enabled' }).waitFor();
  ctx.check('enable', (await ctx.api('GET', `/agents/${agentId}`)).json.enabled === true);
  await page.evaluate(() => window.scrollTo(0, 0));
  await ctx.screen('agent');

  // The list pages: two at a time, "More" until the last page, which has the new agent (the list is oldest first).
  for (const n of ['filler-a', 'filler-b']) await ctx.api('POST', '/agents', { name: ctx.unique(n) });
  await page.goto(`${ctx.studio}#/agents?limit=2`);
  await page.locator('table.table tbody tr').first().waitFor();
  const total = (await ctx.api('GET', '/agents?limit=100')).json.items.length;
  for (let i = 0; i < 60 && await page.getByRole('button', { name: 'More' }).isVisible(); i++) {
    const before = await page.locator('table.table tbody tr').count();
    await page.getByRole('button', { name: 'More' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('table.table tbody tr').length > n, before);
  }
  const rows = await page.locator('table.table tbody tr').count();
  ctx.check('"More" pages through every agent', rows === total && total >= 3, `${rows} of ${total}`);
  await page.getByRole('link', { name, exact: true }).waitFor();
  ctx.check('the list shows the agent', true);
}
