#!/usr/bin/env node
// @ts-check
'use strict';
// Measures what a load test pays per simulator process: time from spawn() to the first stdout
// line (shape B, the user line written right after spawn) and the RSS of the idle process after
// one turn. Usage: node libs/testing/fake-claude/measure-startup.cjs [runs=20] [bin]
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const runs = Number(process.argv[2] ?? 20);
const bin = process.argv[3] ?? join(__dirname, 'fake-claude.cjs');
const ARGS = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
const USER = `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'hi' } })}\n`;

/** @param {number} pid @param {string} field */
function statusKb(pid, field) {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match ? Number(match[1]) : NaN;
}

/** @param {string} home @returns {Promise<{ firstLineMs: number, resultMs: number, rssKb: number, hwmKb: number }>} */
function once(home) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
    };
    const child = spawn(bin, ARGS, { cwd: home, env, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.write(USER);
    let firstLineMs = NaN;
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (/** @type {string} */ chunk) => {
      buffer += chunk;
      if (Number.isNaN(firstLineMs) && buffer.includes('\n'))
        firstLineMs = performance.now() - started;
      if (!buffer.includes('"type":"result"')) return;
      const resultMs = performance.now() - started;
      const pid = /** @type {number} */ (child.pid);
      const sample = {
        firstLineMs,
        resultMs,
        rssKb: statusKb(pid, 'VmRSS'),
        hwmKb: statusKb(pid, 'VmHWM'),
      };
      buffer = '';
      child.stdin.end();
      child.on('exit', () => resolve(sample));
    });
    child.on('error', reject);
  });
}

/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'fc-measure-'));
  try {
    /** @type {Array<{ firstLineMs: number, resultMs: number, rssKb: number, hwmKb: number }>} */
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await once(home));
    const pick = (/** @type {'firstLineMs'|'resultMs'|'rssKb'|'hwmKb'} */ key) =>
      samples.map((s) => s[key]);
    console.log(`runs=${runs} bin=${bin}`);
    console.log(
      `first line ms: median ${median(pick('firstLineMs')).toFixed(1)}, max ${Math.max(...pick('firstLineMs')).toFixed(1)}`,
    );
    console.log(`result ms:     median ${median(pick('resultMs')).toFixed(1)}`);
    console.log(
      `RSS after one turn: median ${(median(pick('rssKb')) / 1024).toFixed(1)} MiB (peak ${(median(pick('hwmKb')) / 1024).toFixed(1)} MiB)`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

void main();
