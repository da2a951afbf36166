import { useEffect, useRef } from 'preact/hooks';

/**
 * Runs `poll` now and every `everyMs` while the page is visible (a hidden tab polls nothing and
 * catches up the moment it shows again), and again whenever `inputs` change.
 */
export function usePolling(poll: () => Promise<void>, everyMs: number, inputs: unknown[]): void {
  const latest = useRef(poll);
  latest.current = poll;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async () => {
      clearTimeout(timer);
      if (stopped || document.visibilityState === 'hidden') return;
      try {
        await latest.current();
      } finally {
        if (!stopped) timer = setTimeout(tick, everyMs);
      }
    };
    const shown = () => {
      if (document.visibilityState === 'visible') void tick();
    };
    document.addEventListener('visibilitychange', shown);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, inputs);
}
