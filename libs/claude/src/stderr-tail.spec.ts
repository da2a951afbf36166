import { StderrTail } from './stderr-tail';

describe('StderrTail', () => {
  it('keeps everything under the limit', () => {
    const tail = new StderrTail(100);
    tail.push(Buffer.from('hello '));
    tail.push(Buffer.from('world'));
    expect(tail.toString()).toBe('hello world');
    expect(tail.droppedBytes).toBe(0);
  });

  it('keeps only the last bytes when more arrives, however it is chunked', () => {
    const tail = new StderrTail(10);
    for (let i = 0; i < 1000; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.toString()).toBe('\nline 999\n'.slice(-10));
    tail.push(Buffer.alloc(50, 'x'));
    expect(tail.toString()).toBe('x'.repeat(10));
    expect(tail.droppedBytes).toBeGreaterThan(5000);
  });
});
