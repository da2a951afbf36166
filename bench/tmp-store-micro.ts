// TEMP micro-benchmark (not to be committed): storeEvent cost, batched vs not.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisEventStore } from '../apps/gateway/src/mcp/redis-event-store';
import { SseHistoryWriter } from '../apps/gateway/src/mcp/sse-history-writer';

const redisPid = Number(process.argv[3]);
const cpuOf = (pid: number) => { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const msg = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 3, progress: n, message: JSON.stringify({ id: '1-1', seq: n, turn: 2, kind: 'claude', ts: 1, data: { type: 'stream_event', event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'w1 ' } }, session_id: 'abcd-efgh', uuid: 'aaaa-bbbb', fake_sent_at: 1764070000000.123 } }) } });

async function main() {
  const batchMs = Number(process.argv[2]);
  const redis = new Redis('redis://127.0.0.1:6379', { enableAutoPipelining: true, keyPrefix: `micro${batchMs}:` });
  // Replace the shared writer with one of the given window.
  (SseHistoryWriter as unknown as { prototype: { batchMs: number } });
  const stores = Array.from({ length: 100 }, (_, i) => new RedisEventStore(redis, { mcpSessionId: `s${i}`, tenant: 'acme' }));
  (stores[0] as unknown as { writer: { batchMs: number } }).writer.batchMs = batchMs;
  for (const s of stores) await s.storeEvent('st', {} as never);
  await stores[0].flush();
  const c0 = process.cpuUsage(); const r0 = cpuOf(redisPid);
  let n = 0;
  // 100 streams, each one message every 50 ms, staggered: 2000 msg/s for 5 s.
  await Promise.all(stores.map((s, i) => new Promise<void>((resolve) => {
    let k = 0;
    setTimeout(() => { const t = setInterval(() => { void s.storeEvent('st', msg(++k)); n++; if (k === 100) { clearInterval(t); resolve(); } }, 50); }, (i * 50) / 100);
  })));
  await stores[0].flush();
  const c = process.cpuUsage(c0);
  console.log(`batchMs ${batchMs}: node ${((c.user + c.system) / n).toFixed(1)} µs/msg, redis ${((cpuOf(redisPid) - r0) * 1000 / n).toFixed(1)} µs/msg (${n} msgs)`);
  await redis.quit();
}
void main();
