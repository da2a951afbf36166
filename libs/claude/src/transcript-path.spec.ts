import { projectDirName, transcriptPath } from './transcript-path';

describe('transcript paths', () => {
  it('replaces every character but letters and digits with -', () => {
    expect(projectDirName('/srv/a.b_c d')).toBe('-srv-a-b-c-d');
    expect(projectDirName('/workspace')).toBe('-workspace');
    expect(projectDirName('/tmp/é')).toBe('-tmp--');
  });

  it('puts the transcript under projects/<slug>/<id>.jsonl of the config dir', () => {
    expect(transcriptPath('/claude', '/workspace', 'abc')).toBe(
      '/claude/projects/-workspace/abc.jsonl',
    );
  });

  it('refuses paths whose folder name the CLI would hash', () => {
    expect(() => projectDirName(`/${'x'.repeat(250)}`)).toThrow(RangeError);
  });
});
