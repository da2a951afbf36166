import { Component, h, type ComponentChild } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Item, Part } from './conversation.mts';
import { bytes, pretty, shortId, usd } from './format.mts';
import { href } from './router.mts';
import { StatusBadge } from './status-badge.mts';

/**
 * The conversation, kept scrolled to its end while the reader is there. Everything in it is
 * text nodes: Claude's words, tool input and output, file paths (never markup).
 */
export function ConversationView(props: {
  items: readonly Item[];
  sessionId: string;
}): ComponentChild {
  const following = useFollowEnd(props.items);
  return h(
    'ol',
    { class: 'conversation', 'aria-live': following ? 'polite' : 'off' },
    props.items.map((item) => h(ItemView, { item, sessionId: props.sessionId, key: item.key })),
  );
}

/**
 * Scrolls to the end after each update while the reader was within 80 px of it: once per frame
 * however many updates came in it (reading the page's height forces a layout).
 */
function useFollowEnd(items: readonly Item[]): boolean {
  const near = useRef(true);
  const frame = useRef(0);
  useEffect(() => {
    const track = () => {
      const root = document.scrollingElement ?? document.documentElement;
      near.current = root.scrollHeight - root.scrollTop - root.clientHeight < 80;
    };
    addEventListener('scroll', track, { passive: true });
    return () => {
      removeEventListener('scroll', track);
      cancelAnimationFrame(frame.current);
    };
  }, []);
  useEffect(() => {
    if (!near.current || frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      scrollTo({ top: document.documentElement.scrollHeight });
    });
  }, [items]);
  return near.current;
}

/** One item, rendered again only when it changed (items are replaced, never mutated). */
class ItemView extends Component<{ item: Item; sessionId: string }> {
  override shouldComponentUpdate(next: { item: Item }): boolean {
    return next.item !== this.props.item;
  }

  override render(): ComponentChild {
    return h(
      'li',
      { class: `item item-${this.props.item.kind}` },
      itemBody(this.props.item, this.props.sessionId),
    );
  }
}

function itemBody(item: Item, sessionId: string): ComponentChild {
  switch (item.kind) {
    case 'turn':
      return h('div', { class: 'turn', 'data-turn': item.turn }, [
        h('span', { class: 'turn-label' }, `Turn ${item.turn}`),
        item.prompt ? h('p', { class: 'prompt' }, item.prompt) : null,
      ]);
    case 'text':
      return h(
        'div',
        { class: item.done ? 'assistant' : 'assistant streaming' },
        spans(item.parts),
      );
    case 'thinking':
      return h('details', { class: 'thinking' }, [
        h('summary', {}, 'Thinking'),
        h('div', {}, spans(item.parts)),
      ]);
    case 'tool':
      return h(
        'details',
        { class: `tool${item.result?.isError ? ' failed' : ''}`, 'data-event-id': item.eventId },
        [
          h('summary', {}, [
            h('span', { class: 'tool-name' }, item.name),
            h('code', { class: 'tool-brief' }, brief(item.input ?? item.partialInput)),
            h(
              'span',
              { class: 'tool-state' },
              item.result ? (item.result.isError ? 'error' : 'done') : TOOL_STATES[item.state],
            ),
          ]),
          h('h4', {}, 'Input'),
          h(
            'pre',
            { class: 'tool-input' },
            item.input === undefined ? item.partialInput : pretty(item.input),
          ),
          item.result
            ? [
                h('h4', {}, item.result.isError ? 'Error' : 'Result'),
                h(
                  'pre',
                  { class: 'tool-result', 'data-event-id': item.result.eventId },
                  item.result.text,
                ),
              ]
            : null,
        ],
      );
    case 'approval':
      return h('div', { class: 'approval-note', 'data-event-id': item.eventId }, [
        `Claude asked to use ${item.tool}: `,
        item.resolution
          ? h('strong', {}, `${item.resolution.decision} (${item.resolution.by})`)
          : h('strong', { class: 'waiting' }, 'waiting for an answer'),
      ]);
    case 'status':
      return h('div', { class: 'status-change', 'data-event-id': item.eventId }, [
        h(StatusBadge, { status: item.status }),
        item.detail ? h('span', { class: 'muted' }, ` ${item.detail}`) : null,
      ]);
    case 'result':
      return h(
        'div',
        { class: item.isError ? 'result failed' : 'result', 'data-event-id': item.eventId },
        [
          item.isError ? h('strong', {}, 'The turn failed') : 'Turn ended',
          item.costUsd !== undefined ? ` · ${usd(item.costUsd)}` : '',
          item.durationMs !== undefined ? ` · ${(item.durationMs / 1000).toFixed(1)} s` : '',
          item.isError && item.text ? h('pre', {}, item.text) : null,
        ],
      );
    case 'problem':
      return h('div', { class: 'problem', role: 'alert', 'data-event-id': item.eventId }, [
        h('strong', {}, item.title),
        ' ',
        item.message,
      ]);
    case 'checkpoint':
      return h('div', { class: 'checkpoint-mark', 'data-event-id': item.eventId }, [
        h('span', { class: 'diamond', 'aria-hidden': 'true' }, '◆'),
        ` Checkpoint `,
        h('code', { title: item.checkpointId }, shortId(item.checkpointId)),
        item.files !== undefined ? ` · ${item.files} files` : '',
        item.bytes !== undefined ? ` · ${bytes(item.bytes)}` : '',
        ' · ',
        h('a', { href: href({ view: 'session', sessionId, tab: 'checkpoints' }) }, 'timeline'),
      ]);
    case 'note':
      return h('div', { class: 'note', 'data-event-id': item.eventId }, [
        item.text,
        item.detail
          ? h('details', {}, [h('summary', {}, 'details'), h('pre', {}, item.detail)])
          : null,
      ]);
    case 'user':
      return h('div', { class: 'user-line', 'data-event-id': item.eventId }, item.text);
  }
}

const TOOL_STATES = {
  running: 'running…',
  'awaiting approval': 'awaiting your answer',
  'no result': 'no result',
} as const;

function spans(parts: readonly Part[]): ComponentChild[] {
  return parts.map((p) => h('span', { 'data-event-id': p.eventId, key: p.eventId }, p.text));
}

/** The one line that says what a tool call does: its command, file or first text argument. */
function brief(input: unknown): string {
  if (typeof input === 'string') return clip(input);
  const fields = (input ?? {}) as Record<string, unknown>;
  for (const name of ['command', 'file_path', 'path', 'pattern', 'url', 'description']) {
    if (typeof fields[name] === 'string') return clip(fields[name]);
  }
  const first = Object.values(fields).find((v) => typeof v === 'string');
  return typeof first === 'string' ? clip(first) : '';
}

function clip(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}
