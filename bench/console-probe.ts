/**
 * What the console benchmark reads in each tab: when each element carrying an event id
 * (`data-event-id`: a text delta, a status, a result...) entered the page, and the time of the
 * next animation frame after it, both as performance.timeOrigin + now() (the wall clock the
 * CLI stand-in stamps its lines with, to the µs).
 */
import type { Page } from 'playwright-core';

/** [event id, in the DOM at, next frame at (0 until it ran)]. */
export type Sighting = [string, number, number];

/** Run in the page (as a string: it is the browser's code, not this process's). */
const PROBE = `(() => {
  const seen = [];
  window.__consoleBench = seen;
  const now = () => performance.timeOrigin + performance.now();
  new MutationObserver((records) => {
    const at = now();
    const batch = [];
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.dataset.eventId) batch.push([node.dataset.eventId, at, 0]);
        for (const el of node.querySelectorAll('[data-event-id]')) batch.push([el.dataset.eventId, at, 0]);
      }
    }
    if (batch.length === 0) return;
    seen.push(...batch);
    requestAnimationFrame(() => {
      const frame = now();
      for (const entry of batch) entry[2] = frame;
    });
  }).observe(document.getElementById('app'), { childList: true, subtree: true });
})()`;

export function installProbe(page: Page): Promise<void> {
  return page.evaluate(PROBE);
}

export function sightings(page: Page): Promise<Sighting[]> {
  return page.evaluate<Sighting[]>('window.__consoleBench');
}

/** Whether the page has shown the event. */
export function hasSeen(page: Page, eventId: string): Promise<boolean> {
  return page.evaluate<boolean, string>((id) => {
    const seen = (globalThis as unknown as { __consoleBench: Sighting[] }).__consoleBench;
    return seen.some((entry) => entry[0] === id);
  }, eventId);
}
