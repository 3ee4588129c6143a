/**
 * How a code from a code list is shown to a person and read back: the template's
 * dropdowns offer "Diet and nutrition (DN)", plain words with the code in
 * brackets, and the validator accepts that, the code alone, or the words alone.
 * Written once here so the dropdowns and the reading cannot disagree.
 */
import type { Code } from './load-dictionary.js';

/** `Diet and nutrition (DN)`, or the code list's own display text where it has one. */
export function codeChoice(code: Code): string {
  return code.display ?? `${code.label} (${code.code})`;
}

/**
 * The code a cell means, from "DN", "dn", "Diet and nutrition" or "Diet and nutrition (DN)"; undefined if none.
 * The code in brackets wins over words edited by hand, unless the words name another code.
 */
export function findCode(codes: readonly Code[], text: string): Code | undefined {
  const typed = normalise(text);
  const byCode = (code: string) => codes.find((candidate) => normalise(candidate.code) === code);
  const byWords = (words: string) =>
    codes.find(
      (candidate) => normalise(candidate.label) === words || normalise(codeChoice(candidate)) === words,
    );
  const bracketed = /^(.*?)\s*\(([^()]+)\)$/.exec(typed);
  if (bracketed) {
    const code = byCode(normalise(bracketed[2] ?? ''));
    const named = byWords(bracketed[1] ?? '');
    // Words that name another code ("Diet and nutrition (SED)") contradict the code: ask, never guess.
    if (code && named && named !== code) return undefined;
    if (code) return code;
  }
  return byCode(typed) ?? byWords(typed);
}

function normalise(text: string): string {
  // Excel users paste non-breaking and figure spaces as often as plain ones.
  return text
    .replace(/[\u00a0\u2007\u202f\s]+/g, ' ')
    .trim()
    .toUpperCase();
}
