/**
 * HTML with escaping by default: every value interpolated into an `html`
 * template is escaped unless it is itself the result of `html` (or of `raw`,
 * kept for the few strings we build ourselves, never for anything a user or a
 * file supplied). Attribute values are always quoted in our templates, so
 * escaping `& < > " '` is enough for both text and attributes.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0] as string;
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] as string);
  });
  return new SafeHtml(out);
}

/** Trusted markup we made ourselves (never user or file content). */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}
