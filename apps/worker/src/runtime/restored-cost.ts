import { readFile } from 'node:fs/promises';

const MARK = '"type":"cost-state"';

/**
 * The running cost a resumed CLI starts from. The CLI writes a `cost-state` record to the
 * transcript when its process ends and, on `--resume` (a fork too), carries its `totalCostUSD`
 * on: its first `result` then reports that total plus the turn's cost (checked with 2.1.332: a
 * process killed before writing one resumes from the record before). 0 without a record.
 */
export async function restoredCostUsd(transcriptPath: string): Promise<number> {
  let text: Buffer;
  try {
    text = await readFile(transcriptPath);
  } catch {
    return 0;
  }
  const at = text.lastIndexOf(MARK);
  if (at < 0) return 0;
  const start = text.lastIndexOf(0x0a, at) + 1;
  const end = text.indexOf(0x0a, at);
  try {
    const record = JSON.parse(text.subarray(start, end < 0 ? undefined : end).toString('utf8'));
    const total = (record as { totalCostUSD?: unknown }).totalCostUSD;
    return typeof total === 'number' && Number.isFinite(total) && total > 0 ? total : 0;
  } catch {
    return 0;
  }
}
