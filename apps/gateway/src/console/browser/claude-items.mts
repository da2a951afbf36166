import type { SessionEvent } from './api-types.mts';
import {
  agentOf,
  blocksOf,
  num,
  record,
  streamPiece,
  text,
  type Json,
  type StreamPiece,
} from './claude-lines.mts';
import type { ItemList, Of } from './conversation-items.mts';

/**
 * The Claude CLI's lines (`kind: "claude"` events) as conversation items: Claude's text as it
 * streams (each text delta a part), confirmed by the whole assistant message, which is shown
 * itself only when no delta came (a trimmed stream); tool calls, their input as it streams and
 * their result; the turn's result.
 */
export class ClaudeItems {
  /** Per agent, the message being streamed and which item each of its blocks feeds. */
  private readonly streaming = new Map<
    string,
    { messageId: string; blocks: Map<number, string> }
  >();
  /** Per message id, its streamed text items not yet confirmed by the whole message. */
  private readonly unconfirmed = new Map<string, string[]>();
  private readonly list: ItemList;

  constructor(list: ItemList) {
    this.list = list;
  }

  /** A turn restarts from scratch: whatever was streaming is gone. */
  reset(): void {
    this.streaming.clear();
    this.unconfirmed.clear();
  }

  apply(event: SessionEvent, line: Json): void {
    switch (line.type) {
      case 'stream_event': {
        const piece = streamPiece(line);
        return piece ? this.stream(event, agentOf(line), piece) : undefined;
      }
      case 'assistant':
        return this.assistant(event, line);
      case 'user':
        return this.user(event, line);
      case 'result':
        return this.list.add({
          kind: 'result',
          key: `event:${event.id}`,
          turn: event.turn,
          eventId: event.id,
          isError: line.is_error === true,
          text: text(line.result),
          costUsd: num(line.total_cost_usd),
          durationMs: num(line.duration_ms),
        });
      case 'system': {
        if (line.subtype !== 'init') return;
        const model = text(line.model);
        const note = `Claude Code started${model ? ` (${model})` : ''}`;
        return this.list.add({
          kind: 'note',
          key: `event:${event.id}`,
          turn: event.turn,
          text: note,
          eventId: event.id,
        });
      }
    }
  }

  private stream(event: SessionEvent, agent: string, piece: StreamPiece): void {
    if (piece.type === 'message_start') {
      this.streaming.set(agent, { messageId: piece.messageId, blocks: new Map() });
      return;
    }
    const message = this.streaming.get(agent);
    if (!message) return;
    if (piece.type === 'block_start') {
      const key = `${agent}:${message.messageId}:${piece.index}`;
      const block = piece.block;
      if (block.type === 'text') {
        message.blocks.set(piece.index, key);
        this.unconfirmed.set(message.messageId, [
          ...(this.unconfirmed.get(message.messageId) ?? []),
          key,
        ]);
        this.list.add({ kind: 'text', key, turn: event.turn, parts: [], done: false });
      } else if (block.type === 'thinking') {
        message.blocks.set(piece.index, key);
        this.list.add({ kind: 'thinking', key, turn: event.turn, parts: [] });
      } else if (block.type === 'tool_use') {
        message.blocks.set(piece.index, `tool:${block.id}`);
        this.list.add(toolItem(`tool:${block.id}`, event, block.name, undefined));
      }
      return;
    }
    const target = message.blocks.get(piece.index);
    if (target === undefined) return;
    if (piece.type === 'input_delta') {
      this.list.update<'tool'>(target, (item) => ({
        ...item,
        partialInput: item.partialInput + piece.json,
      }));
    } else {
      const part = { eventId: event.id, text: piece.text };
      this.list.update<'text' | 'thinking'>(target, (item) => ({
        ...item,
        parts: [...item.parts, part],
      }));
    }
  }

  /** A whole assistant message: confirms what streamed, or shows what did not. */
  private assistant(event: SessionEvent, line: Json): void {
    const message = record(line.message);
    const messageId = text(message?.id) ?? event.id;
    blocksOf(message).forEach((block, i) => {
      if (block.type === 'text') return this.confirmText(event, messageId, block.text, i);
      if (block.type === 'thinking' && block.text) {
        const key = `${agentOf(line)}:${messageId}:thinking:${event.id}:${i}`;
        const parts = [{ eventId: event.id, text: block.text }];
        return this.list.add({ kind: 'thinking', key, turn: event.turn, parts });
      }
      if (block.type === 'tool_use') {
        const key = `tool:${block.id}`;
        if (!this.list.has(key))
          return this.list.add(toolItem(key, event, block.name, block.input));
        this.list.update<'tool'>(key, (item) => ({
          ...item,
          name: block.name,
          input: block.input,
        }));
      }
    });
  }

  private confirmText(event: SessionEvent, messageId: string, whole: string, i: number): void {
    const key = this.unconfirmed.get(messageId)?.shift();
    if (key === undefined) {
      if (!whole) return;
      const parts = [{ eventId: event.id, text: whole }];
      this.list.add({
        kind: 'text',
        key: `text:${event.id}:${i}`,
        turn: event.turn,
        parts,
        done: true,
      });
      return;
    }
    this.list.update<'text'>(key, (item) => {
      const streamed = item.parts.map((p) => p.text).join('');
      // Deltas lost on the way (a trimmed stream): the whole message is the truth.
      const parts = streamed === whole ? item.parts : [{ eventId: event.id, text: whole }];
      return { ...item, parts, done: true };
    });
  }

  private user(event: SessionEvent, line: Json): void {
    if (line.isReplay === true) {
      // The CLI echoing the turn's prompt (--replay-user-messages): the turn's heading, once.
      const prompt = blocksOf(line.message)
        .flatMap((block) => (block.type === 'text' && block.text ? [block.text] : []))
        .join('\n');
      if (prompt) this.list.update<'turn'>(`turn:${event.turn}`, (item) => ({ ...item, prompt }));
      return;
    }
    blocksOf(line.message).forEach((block, i) => {
      if (block.type === 'tool_result') {
        const result = { text: block.text, isError: block.isError, eventId: event.id };
        const key = `tool:${block.toolUseId}`;
        if (!this.list.has(key))
          return this.list.add({ ...toolItem(key, event, 'tool', undefined), result });
        this.list.update<'tool'>(key, (item) => ({ ...item, result }));
      } else if (block.type === 'text' && block.text) {
        const key = `user:${event.id}:${i}`;
        this.list.add({ kind: 'user', key, turn: event.turn, text: block.text, eventId: event.id });
      }
    });
  }
}

function toolItem(key: string, event: SessionEvent, name: string, input: unknown): Of<'tool'> {
  return {
    kind: 'tool',
    key,
    turn: event.turn,
    name,
    input,
    partialInput: '',
    state: 'running',
    eventId: event.id,
  };
}
