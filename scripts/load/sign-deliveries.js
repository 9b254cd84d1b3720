// Writes N Standard Webhooks deliveries, each with its own webhook-id, signed for one trigger's secret, as lines a wrk
// Lua script replays: "<webhook-id>\t<timestamp>\t<signature>\t<body>". Node's own crypto; no packages.
// Usage: node sign-deliveries.js <secret whsec_...> <count> <out-file> [duplicate-share=0]
const crypto = require('crypto');
const fs = require('fs');
const [secret, countText, out, dupText] = process.argv.slice(2);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const count = Number(countText);
const duplicateShare = Number(dupText || 0);
const ts = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < count; i++) {
  const id = duplicateShare > 0 && i > 0 && Math.random() < duplicateShare ? `msg_${Math.floor(Math.random() * i)}` : `msg_${i}`;
  const body = JSON.stringify({ order: { id: `o-${id}`, total: 42 } });
  const sig = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  lines.push(`${id}\t${ts}\tv1,${sig}\t${body}`);
}
fs.writeFileSync(out, lines.join('\n') + '\n');
