// @ts-check
'use strict';

// A port of commander's suggestSimilar (the real CLI is built on commander 13), so typos get the
// same "(Did you mean --x?)" hint the real CLI prints.
const MAX_DISTANCE = 3;

/** Optimal string alignment distance, as commander computes it. */
/** @param {string} a @param {string} b */
function editDistance(a, b) {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  /** @type {number[][]} */
  const d = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** @param {string} word @param {string[]} candidates */
function suggestSimilar(word, candidates) {
  const searchingOptions = word.startsWith('--');
  const w = searchingOptions ? word.slice(2) : word;
  let similar = /** @type {string[]} */ ([]);
  let best = MAX_DISTANCE;
  for (const full of new Set(candidates)) {
    const candidate = searchingOptions ? full.slice(2) : full;
    if (candidate.length <= 1) continue;
    const distance = editDistance(w, candidate);
    const length = Math.max(w.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) {
      best = distance;
      similar = [candidate];
    } else if (distance === best) similar.push(candidate);
  }
  similar.sort((a, b) => a.localeCompare(b));
  if (searchingOptions) similar = similar.map((c) => `--${c}`);
  if (similar.length > 1) return `\n(Did you mean one of ${similar.join(', ')}?)`;
  if (similar.length === 1) return `\n(Did you mean ${similar[0]}?)`;
  return '';
}

module.exports = { suggestSimilar };
