export interface SkippedEntry {
  path: string;
  reason: 'excluded' | 'special' | 'over_size_limit' | 'over_file_limit' | 'unreadable';
  detail?: string;
}

/**
 * Bounds the report so a workspace with a million files over the limit does not produce a
 * million-entry answer; the last entry then says how many more were left out.
 */
export const MAX_REPORTED_SKIPS = 10_000;

export class SkipReport {
  private readonly entries: SkippedEntry[] = [];
  private unlisted = 0;

  add(path: string, reason: SkippedEntry['reason'], detail?: string): void {
    if (this.entries.length < MAX_REPORTED_SKIPS) this.entries.push({ path, reason, detail });
    else this.unlisted++;
  }

  list(): SkippedEntry[] {
    if (this.unlisted === 0) return [...this.entries];
    const last = this.entries[this.entries.length - 1];
    return [
      ...this.entries,
      { path: last.path, reason: last.reason, detail: `and ${this.unlisted} more, not listed` },
    ];
  }
}
