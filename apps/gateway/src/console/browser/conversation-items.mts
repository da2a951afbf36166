/** A piece of text and the event it came in (its id is on the element that shows it). */
export interface Part {
  eventId: string;
  text: string;
}

interface Base {
  /** Stable across updates: the list's key. */
  key: string;
  turn: number;
}

/** One thing the conversation shows. */
export type Item = Base &
  (
    | { kind: 'turn'; prompt?: string }
    | { kind: 'text'; parts: Part[]; done: boolean }
    | { kind: 'thinking'; parts: Part[] }
    | {
        kind: 'tool';
        name: string;
        input?: unknown;
        /** The input as it streams, before the whole call arrives. */
        partialInput: string;
        result?: { text: string; isError: boolean; eventId: string };
        /** Where it stands while it has no result. */
        state: 'running' | 'awaiting approval' | 'no result';
        eventId: string;
      }
    | {
        kind: 'approval';
        requestId: string;
        tool: string;
        input: unknown;
        deadline?: number;
        resolution?: { decision: string; by: string };
        eventId: string;
      }
    | { kind: 'status'; status: string; detail?: string; eventId: string }
    | {
        kind: 'result';
        isError: boolean;
        text?: string;
        costUsd?: number;
        durationMs?: number;
        eventId: string;
      }
    | { kind: 'problem'; title: string; message: string; eventId: string }
    | { kind: 'checkpoint'; checkpointId: string; bytes?: number; files?: number; eventId: string }
    | { kind: 'note'; text: string; detail?: string; eventId: string }
    | { kind: 'user'; text: string; eventId: string }
  );

export type Of<K extends Item['kind']> = Extract<Item, { kind: K }>;

/**
 * The items in order, by key. Items are immutable: a changed one is replaced, and `begin` starts
 * a new array, so a view can tell a changed item (and a changed list) by identity alone.
 */
export class ItemList {
  items: Item[] = [];
  private readonly at = new Map<string, number>();

  begin(): void {
    this.items = [...this.items];
  }

  has(key: string): boolean {
    return this.at.has(key);
  }

  get<K extends Item['kind']>(key: string): Of<K> | undefined {
    const i = this.at.get(key);
    return i === undefined ? undefined : (this.items[i] as Of<K>);
  }

  /** Adds the item, unless one with its key is there already. */
  add(item: Item): void {
    if (this.at.has(item.key)) return;
    this.at.set(item.key, this.items.length);
    this.items.push(item);
  }

  update<K extends Item['kind']>(key: string, change: (item: Of<K>) => Of<K>): void {
    const i = this.at.get(key);
    if (i !== undefined) this.items[i] = change(this.items[i] as Of<K>);
  }

  /** Keeps only the items `keep` says to. */
  retain(keep: (item: Item) => boolean): void {
    this.items = this.items.filter(keep);
    this.at.clear();
    this.items.forEach((item, i) => this.at.set(item.key, i));
  }
}
