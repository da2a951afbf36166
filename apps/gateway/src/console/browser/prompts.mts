/**
 * The messages this tab sent, by session and turn: the event stream carries what Claude did,
 * not what it was asked, so the console shows a turn's prompt only when it sent it. Kept in
 * sessionStorage beside the key (a reload keeps them, closing the tab forgets them).
 */
const SLOT = 'csb-console-prompts';
const MAX_KEPT = 200;

type Kept = Array<[string, string]>;

function load(): Map<string, string> {
  try {
    return new Map(JSON.parse(sessionStorage.getItem(SLOT) ?? '[]') as Kept);
  } catch {
    return new Map();
  }
}

const prompts = load();

export function rememberPrompt(sessionId: string, turn: number, prompt: string): void {
  prompts.set(`${sessionId}:${turn}`, prompt);
  const kept: Kept = [...prompts].slice(-MAX_KEPT);
  try {
    sessionStorage.setItem(SLOT, JSON.stringify(kept));
  } catch {
    // memory only
  }
}

export function promptOf(sessionId: string, turn: number): string | undefined {
  return prompts.get(`${sessionId}:${turn}`);
}

export function forgetPrompts(): void {
  prompts.clear();
  try {
    sessionStorage.removeItem(SLOT);
  } catch {
    // nothing kept
  }
}
