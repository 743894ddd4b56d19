import { didYouMean } from './didYouMean.js';
import { valueText } from './valueText.js';

/** A check of one value: null when it fits, else what was expected. */
export type Rule = (value: unknown) => string | null;

/**
 * What is wrong with an object of options, or null: not an object (`option` null), an
 * option none of `rules` names (with a "did you mean", or its `hints` text), or one whose
 * rule refuses its value; an option given as undefined is left out, unless `required`. The
 * store's, the engine's and the watcher's option checks each put it in their own error.
 * @example optionsProblem({ stor: 1 }, { store: storeProblem })?.text // 'options.stor: no such option; did you mean "store"?; the options are store'
 */
export function optionsProblem(
  options: unknown,
  rules: Readonly<Record<string, Rule | null>>,
  { required = [], hints = {} }: { required?: readonly string[]; hints?: Readonly<Record<string, string>> } = {},
): { option: string | null; text: string } | null {
  const names = Object.keys(rules);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { option: null, text: `expected an object of options (${names.join(', ')}), got ${valueText(options)}` };
  }
  const given = options as Record<string, unknown>;
  // The options given first, then the required ones missing: a required one misspelt is named as the misspelling.
  for (const name of [...Object.keys(given), ...required]) {
    if (!Object.hasOwn(rules, name)) {
      return { option: name, text: `options.${name}: no such option${hints[name] ? `; ${hints[name]}` : `${didYouMean(name, names)}; the options are ${names.join(', ')}`}` };
    }
    const value = given[name];
    const expected = value === undefined && !required.includes(name) ? null : rules[name]?.(value);
    if (expected) return { option: name, text: `options.${name}: expected ${expected}, got ${valueText(value)}` };
  }
  return null;
}
