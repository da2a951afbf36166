/** How the console writes numbers, times and ids. */

export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

export function usd(value: number): string {
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "12 s ago", "5 min ago", "3 h ago", else the date. */
export function ago(iso: string | number, now = Date.now()): string {
  const at = typeof iso === 'number' ? iso : Date.parse(iso);
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString();
}

/** A value as readable text: strings as they are, anything else as indented JSON. */
export function pretty(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2);
}

/** Seconds left until a deadline, "4:59". */
export function countdown(deadline: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((deadline - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
