// Triggers: create a webhook trigger in the Studio, read its signing secret from the once-only dialog, check the
// browser's signed curl example against node's own HMAC, sign a delivery in node with the secret, POST it to the hook,
// and see the event in the trigger's event list. A timer's form previews its next five fire times.
import { createHmac, randomBytes } from 'node:crypto';

function sign(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export default async function (page, ctx) {
  const agent = (await ctx.api('POST', '/agents', { name: ctx.unique('hooked'), scope: 'team' })).json;
  await ctx.signIn();
  await page.goto(`${ctx.studio}#/triggers?agent=${agent.id}`);
  await page.getByRole('heading', { name: 'Triggers', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Create a trigger' }).click();

  // A timer first: its next five fire times in its zone, from the schedule preview.
  await page.getByLabel('System').selectOption('timer');
  await page.getByLabel('Cron (minute hour day-of-month month day-of-week)').fill('30 8 * * *');
  await page.getByLabel('Time zone (IANA)').fill('Europe/Paris');
  await page.locator('[data-testid="schedule-preview"] li', { hasText: '08:30 (UTC+0' }).nth(4).waitFor();
  const fires = await page.locator('[data-testid="schedule-preview"] li').allTextContents();
  ctx.check('a timer previews five fire times at 08:30 Paris time', fires.length === 5 && fires.every((f) => / 08:30 \(UTC\+0[12]:00\)/.test(f)), fires.join(' | '));
  await page.getByLabel('Cron (minute hour day-of-month month day-of-week)').fill('61 8 * * *');
  await page.locator('.field-error', { hasText: 'cron' }).first().waitFor();
  ctx.check('a bad cron is flagged on the cron field', true);
  await ctx.screen('triggers-timer');

  // The webhook.
  await page.getByLabel('System').selectOption('webhook');
  await page.getByRole('button', { name: 'Create trigger' }).click();
  const secretBox = page.locator('[data-testid="signing-secret"]');
  await secretBox.waitFor();
  const secret = (await secretBox.textContent()).trim();
  const url = (await page.locator('[data-testid="webhook-url"]').textContent()).trim();
  const curl = await page.locator('[data-testid="signed-curl"]').textContent();
  ctx.check('the signing secret is shown once, Standard Webhooks style', /^whsec_[A-Za-z0-9+/=]+$/.test(secret));
  const id = /webhook-id: ([^']+)'/.exec(curl)?.[1];
  const ts = /webhook-timestamp: (\d+)'/.exec(curl)?.[1];
  const sig = /webhook-signature: ([^']+)'/.exec(curl)?.[1];
  const shownBody = /--data-raw '([\s\S]*)'\s*$/.exec(curl)?.[1];
  ctx.check('the browser\'s curl example is signed exactly as node signs it', sig && sig === sign(secret, id, ts, shownBody), sig);
  await ctx.screen('triggers-webhook-secret');
  await page.getByRole('button', { name: 'Close' }).click();
  ctx.check('the secret is gone from the page once the dialog closes', !(await page.evaluate((s) => document.body.innerText.includes(s), secret)));

  // Sign a delivery in node with the secret shown, POST it to the hook.
  const triggerId = url.split('/').pop();
  const msgId = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: 'order.created', order_id: ctx.unique('order') });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(secret, msgId, timestamp, body) },
    body,
    signal: AbortSignal.timeout(15000),
  });
  const accepted = await response.json();
  ctx.check('the signed delivery is accepted (202)', response.status === 202 && accepted.event_id, `${response.status} ${JSON.stringify(accepted)}`);

  // The event shows in the trigger's list (the screen re-reads it while it is open).
  await page.goto(`${ctx.studio}#/triggers/${triggerId}`);
  await page.getByRole('heading', { name: `Trigger ${triggerId}` }).waitFor();
  const row = page.locator('table tr', { hasText: accepted.event_id });
  for (let i = 0; i < 20 && (await row.count()) === 0; i++) {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
  }
  await row.first().waitFor();
  ctx.check('the event is in the trigger\'s event list', true, accepted.event_id);
  await ctx.screen('trigger');
}
