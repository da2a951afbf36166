/**
 * Where the console keeps the tenant's key: this tab's sessionStorage, so a reload stays signed
 * in and closing the tab forgets it (no other tab, no later visit, no cookie). Where storage is
 * refused (some private modes), in memory only: a reload then asks again.
 */
const SLOT = 'csb-console-key';
let fallback: string | null = null;

export const keyStore = {
  read(): string | null {
    try {
      return sessionStorage.getItem(SLOT);
    } catch {
      return fallback;
    }
  },
  write(key: string): void {
    fallback = key;
    try {
      sessionStorage.setItem(SLOT, key);
    } catch {
      // memory only
    }
  },
  clear(): void {
    fallback = null;
    try {
      sessionStorage.removeItem(SLOT);
    } catch {
      // nothing kept
    }
  },
};
