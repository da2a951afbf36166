import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { eventually } from '@app/testing/eventually';
import { processTreeRss } from './process-memory';

describe('processTreeRss', () => {
  it('counts a group and what runs below it in a session of its own (as bwrap --new-session)', async () => {
    // A group leader whose child starts a new session (setsid): the child is in another group.
    const leader = spawn(
      'sh',
      [
        '-c',
        'setsid node -e "setInterval(() => {}, 1000); Buffer.alloc(64 << 20).fill(1)" & echo $!; wait',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const [printed] = (await once(leader.stdout, 'data')) as [Buffer];
    const inner = Number(printed.toString().trim());
    try {
      // The node in a session of its own holds 64 MiB; the shell alone holds a few.
      await eventually(
        'the process in another session to be counted',
        async () => ((await processTreeRss([leader.pid ?? 0])) ?? 0) > 64 * 1024 * 1024,
        10_000,
      );
      expect(await processTreeRss([])).toBe(0);
    } finally {
      // Its own session: killing the leader's group does not reach it.
      process.kill(inner, 'SIGKILL');
      process.kill(-(leader.pid ?? 0), 'SIGKILL');
      await once(leader, 'exit');
    }
  });
});
