// Reject: a run paused for approval; Reject (with a reason) on its timeline: the tool is never called, the run finishes.
import { pausedRun } from '../paused-run.mjs';

export default async function (page, ctx) {
  const { run } = await pausedRun(ctx, 'reject-bot');
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/run/${run.id}`);
  await page.locator('[data-testid="run-status"]', { hasText: 'awaiting approval' }).waitFor();
  await page.getByLabel('Reason').fill('not today');
  await page.getByRole('button', { name: 'Reject' }).click();
  await page.locator('[data-testid="run-status"]', { hasText: 'completed' }).waitFor({ timeout: 20000 });
  const kinds = await page.locator('[data-testid="timeline"] li.step').evaluateAll((items) => items.map((i) => i.dataset.kind));
  ctx.check('the timeline shows the rejection and no tool call', kinds.includes('approval_rejected') && !kinds.includes('tool_call'), kinds.join(','));
  ctx.check('the tool call is marked rejected', await page.locator('details.tool-call .badge', { hasText: 'rejected' }).isVisible());
  ctx.check('no Approve or Reject button is left', (await page.getByRole('button', { name: /^(Approve|Reject)$/ }).count()) === 0);
  await ctx.screen('run-rejected');
}
