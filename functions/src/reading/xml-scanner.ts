/**
 * A pull tokenizer for the XML parts of an untrusted workbook.
 *
 * Why not a general XML parser: the parts we read are SpreadsheetML, a small
 * and regular dialect, and the one feature that makes XML dangerous to read
 * (document type declarations, with their entity expansion and external
 * entities) is never written by Excel, so it is refused outright instead of
 * being parsed safely. What remains is start tags, end tags, text, CDATA,
 * comments and processing instructions, scanned in place over the string with
 * no per-token allocation: names are compared where they stand, attributes and
 * text are decoded only when asked for. It works on the inflated bytes
 * themselves, never on one string of the whole part, so a large sheet costs its
 * bytes once, and scanning stays within a small multiple of finding its `<c>`
 * elements with indexOf.
 *
 * Element names are compared by local name, so `x:row` (written by some tools
 * with a namespace prefix) is a `row`.
 *
 * The same scanner serves the annotated copy, which edits parts in place: it
 * exposes each token's byte span (`start`, `end`) and a tag's prefix, so a
 * writer can rewrite one tag and copy every other byte as it was.
 */
import { WorkbookRefused } from './refusal.js';

export const OPEN = 1;
export const CLOSE = 2;
export const TEXT = 3;
export const END = 4;
export type TokenKind = typeof OPEN | typeof CLOSE | typeof TEXT | typeof END;

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const QUESTION = 63; // ?
const BANG = 33; // !
const COLON = 58; // :
const QUOTE = 34; // "
const APOS = 39; // '
const EQUALS = 61; // =

export class XmlScanner {
  /** Where scanning continues: just past the current token. */
  private position = 0;
  /** Where the current token begins (its `<`, or its first character of text). */
  start = 0;
  kind: TokenKind = END;
  /** For OPEN: the tag had `/>`. */
  selfClosing = false;
  /** Local name of the current tag (from after any prefix to the end of the name). */
  private nameStart = 0;
  private nameEnd = 0;
  /** Where the current tag's qualified name begins (its prefix, if any). */
  private qualifiedStart = 0;
  /** Attribute region of the current OPEN tag, or the raw span of a TEXT token. */
  private spanStart = 0;
  private spanEnd = 0;
  private cdata = false;

  constructor(
    /** The part's UTF-8 bytes. */
    readonly text: Buffer,
    /** The part's name, for messages. */
    readonly part: string,
    /** Where to begin: 0 for a whole part, or just inside an element already found. */
    from = 0,
  ) {
    this.position = from;
    if (from === 0 && text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) this.position = 3; // byte order mark
  }

  /** Just past the current token: the byte after a tag's `>`. */
  get end(): number {
    return this.position;
  }

  next(): TokenKind {
    const text = this.text;
    let position = this.position;
    for (;;) {
      if (position >= text.length) {
        this.kind = END;
        this.position = position;
        return END;
      }
      if (text[position] !== LT) {
        let end = text.indexOf(LT, position);
        if (end < 0) end = text.length;
        this.kind = TEXT;
        this.cdata = false;
        this.start = position;
        this.spanStart = position;
        this.spanEnd = end;
        this.position = end;
        return TEXT;
      }
      const after = text[position + 1];
      if (after === QUESTION) {
        position = this.skipPast('?>', position + 2);
        continue;
      }
      if (after === BANG) {
        if (bytesAt(text, position + 1, '!--')) {
          position = this.skipPast('-->', position + 4);
          continue;
        }
        if (bytesAt(text, position + 1, '![CDATA[')) {
          const start = position + 9;
          const end = text.indexOf(']]>', start);
          if (end < 0) this.malformed('an unfinished CDATA section');
          this.kind = TEXT;
          this.cdata = true;
          this.start = position;
          this.spanStart = start;
          this.spanEnd = end;
          this.position = end + 3;
          return TEXT;
        }
        // <!DOCTYPE, <!ENTITY and the like: never in a workbook Excel wrote.
        throw new WorkbookRefused(
          'file.unsafe_xml',
          { detail: this.part },
          `${this.part}: <!${text.toString('latin1', position + 2, position + 12)}`,
        );
      }
      if (after === SLASH) {
        this.readName(position + 2);
        const end = text.indexOf(GT, this.nameEnd);
        if (end < 0) this.malformed('an unfinished end tag');
        this.kind = CLOSE;
        this.start = position;
        this.position = end + 1;
        return CLOSE;
      }
      this.readName(position + 1);
      // Find the end of the tag, stepping over quoted attribute values (which may hold '>').
      let index = this.nameEnd;
      let quote = 0;
      for (;;) {
        if (index >= text.length) this.malformed('an unfinished tag');
        const code = text[index] as number;
        if (quote) {
          if (code === quote) quote = 0;
        } else if (code === QUOTE || code === APOS) {
          quote = code;
        } else if (code === GT) {
          break;
        } else if (code === LT) {
          this.malformed('a "<" inside a tag');
        }
        index++;
      }
      this.selfClosing = text[index - 1] === SLASH;
      this.kind = OPEN;
      this.start = position;
      this.spanStart = this.nameEnd;
      this.spanEnd = this.selfClosing ? index - 1 : index;
      this.position = index + 1;
      return OPEN;
    }
  }

  /** True when the current tag's local name is `name`. */
  is(name: string): boolean {
    return this.nameEnd - this.nameStart === name.length && bytesAt(this.text, this.nameStart, name);
  }

  get name(): string {
    return this.text.toString('utf8', this.nameStart, this.nameEnd);
  }

  /** The current tag's namespace prefix with its colon (`x:`), or '' when it has none. */
  get prefix(): string {
    return this.text.toString('utf8', this.qualifiedStart, this.nameStart);
  }

  /** The current token's bytes as text: the whole tag for OPEN and CLOSE. */
  get raw(): string {
    return this.text.toString('utf8', this.start, this.position);
  }

  /** An attribute of the current start tag, decoded; matched by local name. */
  attr(name: string): string | undefined {
    const raw = this.rawAttr(name);
    return raw === undefined ? undefined : decodeEntities(raw, this);
  }

  /** An attribute without entity decoding, for values that never hold entities (cell refs, numbers). */
  rawAttr(name: string): string | undefined {
    const text = this.text;
    let index = this.spanStart;
    const end = this.spanEnd;
    while (index < end) {
      // Skip white space to the next attribute name.
      let code = text[index] as number;
      while (index < end && (code === 32 || code === 9 || code === 10 || code === 13))
        code = text[++index] as number;
      if (index >= end || code === SLASH) return undefined;
      const nameStart = index;
      while (index < end && text[index] !== EQUALS && (text[index] as number) > 32) index++;
      const nameEnd = index;
      while (index < end && text[index] !== EQUALS) index++;
      index++; // '='
      let quote = text[index];
      while (index < end && quote !== QUOTE && quote !== APOS) quote = text[++index];
      const valueStart = index + 1;
      const valueEnd = text.indexOf(quote === QUOTE ? QUOTE : APOS, valueStart);
      if (valueEnd < 0 || valueEnd > end) this.malformed('an unfinished attribute');
      if (localNameEquals(text, nameStart, nameEnd, name)) return text.toString('utf8', valueStart, valueEnd);
      index = valueEnd + 1;
    }
    return undefined;
  }

  /** The current TEXT token, decoded. */
  textValue(): string {
    const raw = this.text.toString('utf8', this.spanStart, this.spanEnd);
    return this.cdata ? raw : decodeEntities(raw, this);
  }

  get textLength(): number {
    return this.spanEnd - this.spanStart;
  }

  /**
   * All text inside the current element, up to its end tag, including nested
   * elements' text (a rich-text run's `<t>`). `maxLength` bounds what is kept.
   */
  elementText(maxLength: number, onTooLong: () => never): string {
    if (this.selfClosing) return '';
    let depth = 1;
    let result = '';
    while (depth > 0) {
      const kind = this.next();
      if (kind === OPEN) {
        if (!this.selfClosing) depth++;
      } else if (kind === CLOSE) {
        depth--;
      } else if (kind === TEXT) {
        if (this.textLength + result.length > maxLength * 8) onTooLong();
        result += this.textValue();
        if (result.length > maxLength) onTooLong();
      } else {
        this.malformed('an element that never ends');
      }
    }
    return result;
  }

  /** Skips the current element (after its start tag) to just past its end tag. */
  skipElement(): void {
    if (this.selfClosing) return;
    let depth = 1;
    while (depth > 0) {
      const kind = this.next();
      if (kind === OPEN) {
        if (!this.selfClosing) depth++;
      } else if (kind === CLOSE) {
        depth--;
      } else if (kind === END) {
        this.malformed('an element that never ends');
      }
    }
  }

  malformed(what: string): never {
    throw new WorkbookRefused(
      'file.damaged',
      { detail: `part of it is not well-formed (${this.part})` },
      `${this.part}: ${what} near character ${this.position}`,
    );
  }

  private readName(start: number): void {
    const text = this.text;
    let index = start;
    let localStart = start;
    for (;;) {
      const code = text[index];
      if (code === COLON) localStart = index + 1;
      else if (code === undefined || code <= 32 || code === GT || code === SLASH) break;
      index++;
    }
    if (index === start) this.malformed('a tag without a name');
    this.qualifiedStart = start;
    this.nameStart = localStart;
    this.nameEnd = index;
  }

  private skipPast(terminator: string, from: number): number {
    const end = this.text.indexOf(terminator, from);
    if (end < 0) this.malformed(`a missing "${terminator}"`);
    return end + terminator.length;
  }
}

function localNameEquals(text: Buffer, start: number, end: number, name: string): boolean {
  let localStart = start;
  for (let index = start; index < end; index++) if (text[index] === COLON) localStart = index + 1;
  return end - localStart === name.length && bytesAt(text, localStart, name);
}

/** True when the ASCII `expected` stands in `bytes` at `at`. */
function bytesAt(bytes: Buffer, at: number, expected: string): boolean {
  if (at + expected.length > bytes.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (bytes[at + index] !== expected.charCodeAt(index)) return false;
  }
  return true;
}

const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);|&/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and character references; any other `&` is malformed XML. */
export function decodeEntities(raw: string, scanner: Pick<XmlScanner, 'malformed'>): string {
  if (raw.indexOf('&') < 0) return raw;
  return raw.replace(ENTITY, (whole, entity: string | undefined) => {
    if (entity === undefined)
      scanner.malformed(`an unknown entity "${raw.slice(raw.indexOf(whole), raw.indexOf(whole) + 12)}"`);
    const named = NAMED[entity];
    if (named !== undefined) return named;
    const code = entity.startsWith('#x')
      ? Number.parseInt(entity.slice(2), 16)
      : Number.parseInt(entity.slice(1), 10);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      scanner.malformed('an impossible character reference');
    return String.fromCodePoint(code);
  });
}
