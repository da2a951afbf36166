import type { SessionEvent } from './api-types.mts';
import { ClaudeItems } from './claude-items.mts';
import { num, record, text, type Json } from './claude-lines.mts';
import { ItemList, type Item, type Of } from './conversation-items.mts';

export type { Item, Part } from './conversation-items.mts';

/** Statuses that end a turn: a prompt still unanswered then is no longer pending. */
const TURN_ENDS = ['idle', 'failed', 'terminated', 'completed'];

/**
 * The conversation a session's events tell, built as they arrive: a separator per turn (with
 * its prompt when this tab sent it), what Claude says and does (ClaudeItems), approvals, status
 * changes, errors, checkpoints and notes. Items are immutable (ItemList): the view re-renders
 * only what changed.
 */
export class Conversation {
  private readonly list = new ItemList();
  private readonly claude = new ClaudeItems(this.list);
  private readonly turns = new Set<number>();
  private readonly promptOf: (turn: number) => string | undefined;

  constructor(promptOf: (turn: number) => string | undefined) {
    this.promptOf = promptOf;
  }

  get snapshot(): readonly Item[] {
    return this.list.items;
  }

  /** Requests still waiting for an answer, oldest first. */
  get pending(): Array<Of<'approval'>> {
    return this.list.items.filter(
      (i): i is Of<'approval'> => i.kind === 'approval' && !i.resolution,
    );
  }

  /** This tab sent `prompt` as turn `turn`: shown on the turn even if its first event came first. */
  prompted(turn: number, prompt: string): void {
    this.list.begin();
    this.list.update<'turn'>(`turn:${turn}`, (item) => ({ ...item, prompt }));
  }

  apply(events: readonly SessionEvent[]): void {
    this.list.begin();
    for (const event of events) this.one(event);
  }

  private one(event: SessionEvent): void {
    if (!this.turns.has(event.turn) && event.turn > 0) {
      this.turns.add(event.turn);
      const prompt = this.promptOf(event.turn);
      this.list.add({ kind: 'turn', key: `turn:${event.turn}`, turn: event.turn, prompt });
    }
    const data = record(event.data) ?? {};
    switch (event.kind) {
      case 'claude':
        return this.claude.apply(event, data);
      case 'status':
        return this.status(event, data);
      case 'permission_request':
        return this.asked(event, data);
      case 'permission_resolved':
        return this.answered(data);
      case 'checkpoint':
        return this.add(event, {
          kind: 'checkpoint',
          checkpointId: text(data.checkpointId) ?? '',
          bytes: num(data.bytes),
          files: num(record(data.workspace)?.files),
        });
      case 'error':
        return this.problem(
          event,
          text(data.code) ?? 'error',
          text(data.message) ?? JSON.stringify(data),
        );
      case 'budget_exceeded':
        return this.problem(event, 'budget exceeded', text(data.message) ?? '');
      case 'turn_restarted':
        return this.restart(event, num(data.turn) ?? event.turn);
      case 'gap':
        return this.note(event, `${num(data.count) ?? 'Some'} earlier events are no longer kept`);
      case 'parse_error':
        return this.note(event, 'The CLI printed a line that is not JSON', JSON.stringify(data));
      case 'stderr':
        return this.note(event, 'CLI stderr', text(data.text));
    }
  }

  private asked(event: SessionEvent, data: Json): void {
    const tool = text(data.tool) ?? 'a tool';
    this.add(event, {
      kind: 'approval',
      key: `approval:${text(data.requestId)}`,
      requestId: text(data.requestId) ?? '',
      tool,
      input: data.input,
      deadline: num(data.deadline),
    });
    // The call it is about: the last one of that tool in this turn still without a result.
    const call = this.list.items.findLast(
      (i): i is Of<'tool'> =>
        i.kind === 'tool' && i.turn === event.turn && i.name === tool && !i.result,
    );
    if (call)
      this.list.update<'tool'>(call.key, (item) => ({ ...item, state: 'awaiting approval' }));
  }

  private answered(data: Json): void {
    const resolution = { decision: text(data.decision) ?? '?', by: text(data.by) ?? '?' };
    this.list.update<'approval'>(`approval:${text(data.requestId)}`, (item) => ({
      ...item,
      resolution,
    }));
    for (const item of this.list.items) {
      if (item.kind === 'tool' && item.state === 'awaiting approval') {
        this.list.update<'tool'>(item.key, (tool) => ({ ...tool, state: 'running' }));
      }
    }
  }

  private status(event: SessionEvent, data: Json): void {
    const status = text(data.status) ?? '?';
    const detail = text(data.error) ?? text(data.reason) ?? text(data.stopReason);
    this.add(event, { kind: 'status', status, detail });
    if (!TURN_ENDS.includes(status)) return;
    // The turn ended: whatever it still asked for was withdrawn, and a call without a result got none.
    const withdrawn = { decision: 'withdrawn', by: 'turn end' };
    for (const item of this.list.items) {
      if (item.kind === 'approval' && !item.resolution) {
        this.list.update<'approval'>(item.key, (a) => ({ ...a, resolution: withdrawn }));
      } else if (item.kind === 'tool' && !item.result && item.state !== 'no result') {
        this.list.update<'tool'>(item.key, (t) => ({ ...t, state: 'no result' }));
      }
    }
  }

  private problem(event: SessionEvent, title: string, message: string): void {
    this.add(event, { kind: 'problem', title, message });
  }

  private note(event: SessionEvent, note: string, detail?: string): void {
    this.add(event, { kind: 'note', text: note, detail });
  }

  /** The turn runs again from its start elsewhere: what it showed so far goes. */
  private restart(event: SessionEvent, turn: number): void {
    this.list.retain((item) => item.turn !== turn || item.kind === 'turn');
    this.claude.reset();
    this.note(event, `Turn ${turn} restarted on another worker: shown again from its start`);
  }

  /** An item for one event: keyed by the event unless `item` says otherwise. */
  private add(
    event: SessionEvent,
    item: DistributiveOmit<Item, 'turn' | 'eventId' | 'key'> & { key?: string },
  ): void {
    // The spread keeps the item's kind; TypeScript cannot follow that through a union.
    this.list.add({
      key: `event:${event.id}`,
      turn: event.turn,
      eventId: event.id,
      ...item,
    } as Item);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
