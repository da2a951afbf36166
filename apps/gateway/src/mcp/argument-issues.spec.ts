import { z } from 'zod';
import { SessionIdInput, SessionStartInput } from '@app/contracts';
import { describeIssues } from './argument-issues';

function issuesOf(schema: z.ZodType, value: unknown): string {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a validation failure');
  return describeIssues(parsed.error);
}

describe('describeIssues', () => {
  it('names the field, then the problem', () => {
    expect(issuesOf(SessionIdInput, { sessionId: 'x' })).toBe(
      'sessionId: sessionId must be a session id (a UUID) returned by session_start',
    );
  });

  it('names unknown and missing arguments', () => {
    expect(issuesOf(SessionIdInput, { sessionid: 'x' })).toBe(
      'sessionId: Invalid input: expected string, received undefined; arguments: Unrecognized key: "sessionid"',
    );
  });

  it('describes the union branch the caller most likely meant, with array indexes', () => {
    expect(issuesOf(SessionStartInput, { prompt: 'hi', workspace: { git: {} } })).toBe(
      'workspace.git.url: Invalid input: expected string, received undefined',
    );
    expect(
      issuesOf(SessionStartInput, {
        prompt: 'hi',
        workspace: { files: [{ path: '../etc/passwd', content: '' }] },
      }),
    ).toBe('workspace.files[0].path: must be a relative path without ..');
  });

  it('never echoes a huge input back: each phrase clipped, at most ten named', () => {
    const hugeKey = 'k'.repeat(1_000_000);
    const text = issuesOf(SessionIdInput, { sessionId: 'x', [hugeKey]: 1 });
    expect(text.length).toBeLessThan(500);
    expect(text).toMatch(/^sessionId: .*; arguments: Unrecognized key: "k+… \(\d+ characters\)$/);
    const tools = Array.from({ length: 50 }, () => 'a,b');
    expect(issuesOf(SessionStartInput, { prompt: 'hi', allowedTools: tools })).toMatch(
      /^(allowedTools\[\d+\]: [^;]+; ){10}and 40 more$/,
    );
  });
});
