/** Keeps the last `limit` bytes written to it: enough to explain a crash, bounded whatever the CLI prints. */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const head = this.chunks[0];
      const excess = this.size - this.limit;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
        this.dropped += head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** Bytes discarded so far to stay within the limit. */
  get droppedBytes(): number {
    return this.dropped;
  }

  toString(): string {
    // A cut may split a UTF-8 sequence; the replacement character marks it.
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}
