import { closest, distance } from 'fastest-levenshtein';

/**
 * `; did you mean "agent"?` when `word` is a plausible typo of one of `candidates`, else "".
 *
 * @example
 * didYouMean('agnet', ['agent', 'workflow']); // '; did you mean "agent"?'
 */
export function didYouMean(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(word, [...candidates]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : '';
}
