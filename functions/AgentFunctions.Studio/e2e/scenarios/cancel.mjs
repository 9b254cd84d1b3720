// Cancel: a run paused for approval; "Cancel run" on its timeline ends it as cancelled, with who cancelled it.
import { pausedRun } from '../paused-run.mjs';

export default async function (page, ctx) {
  const { run } = await pausedRun(ctx, 'cancel-bot');
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/run/${run.id}`);
  await page.locator('[data-testid="run-status"]', { hasText: 'awaiting approval' }).waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('[data-testid="run-status"]', { hasText: 'cancelled' }).waitFor({ timeout: 20000 });
  ctx.check('the run says who cancelled it', (await page.locator('dl.facts').textContent()).includes('Cancelled by'));
  ctx.check('no Cancel run, Approve or Reject button is left', (await page.getByRole('button', { name: /^(Cancel run|Approve|Reject)$/ }).count()) === 0);
  const row = await ctx.api('GET', `/runs/${run.id}`);
  ctx.check('the API agrees: cancelled', row.json.status === 'cancelled', row.json.status);
  await ctx.screen('run-cancelled');
}
