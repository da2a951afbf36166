/**
 * The spawn broker: a small node process that starts CLI processes for the worker and hands
 * their stdio pipes back over IPC. Forking copies the parent's page tables, so a spawn from a
 * worker holding hundreds of megabytes blocks its event loop for tens of milliseconds (every
 * other session's stream stalls); from this process it costs ~2 ms and the worker never waits.
 *
 * Protocol (IPC messages): in `{ id, command, args, cwd, env }`; out `{ id, kind: 'spawned',
 * pid }` then `{ id, kind: 'stdin' | 'stdout' | 'stderr' }` each with its pipe as the handle,
 * later `{ id, kind: 'exit', code, signal }`, or `{ id, kind: 'error', message, code }`.
 * When the worker goes away (IPC disconnect) every process group this broker started is killed.
 */
'use strict';
const { spawn } = require('node:child_process');

const live = new Map();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function send(message, handle) {
  if (process.connected) process.send(message, handle);
}

process.on('message', (request) => {
  const { id, command, args, cwd, env } = request;
  let child;
  try {
    child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    send({ id, kind: 'error', message: error.message, code: error.code });
    return;
  }
  // The broker must not read a byte of the CLI's output: net.Socket starts reading as soon as
  // the event loop runs, and whatever it read (or an EOF it saw) would stay here instead of
  // travelling with the handle. Stopping the handle now, before the loop turns, is race-free.
  for (const stream of [child.stdout, child.stderr]) stream?._handle?.readStop();
  child.once('error', (error) => {
    if (child.pid === undefined)
      send({ id, kind: 'error', message: error.message, code: error.code });
  });
  child.once('spawn', () => {
    live.set(id, child);
    send({ id, kind: 'spawned', pid: child.pid });
    send({ id, kind: 'stdin' }, child.stdin);
    send({ id, kind: 'stdout' }, child.stdout);
    send({ id, kind: 'stderr' }, child.stderr);
  });
  child.once('exit', (code, signal) => {
    live.delete(id);
    send({ id, kind: 'exit', code, signal });
  });
});

process.on('disconnect', () => {
  for (const child of live.values()) killGroup(child, 'SIGKILL');
  process.exit(0);
});
