/**
 * Preflight: the checks an upload passes before anything in it is parsed.
 * Every upload is untrusted. The file must be small enough, must be a zip (not
 * a PDF, a web page or a password-protected Office file), and must hold no
 * macros, ActiveX controls or embedded binaries; the zip container itself then
 * caps entries and the bytes they really inflate to.
 *
 * input: the uploaded bytes → output: an opened ZipContainer, or WorkbookRefused
 */
import { formatBytes, WorkbookRefused } from './refusal.js';
import { DEFAULT_ZIP_LIMITS, ZipContainer, type ZipLimits } from './zip-container.js';

export interface PreflightLimits extends ZipLimits {
  /** Largest upload accepted, in bytes. */
  readonly maxFileBytes: number;
}

export const DEFAULT_PREFLIGHT_LIMITS: PreflightLimits = {
  ...DEFAULT_ZIP_LIMITS,
  maxFileBytes: 10 * 1024 * 1024,
};

const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Parts that hold executable or opaque content Excel would run or embed. */
const FORBIDDEN_PARTS: ReadonlyArray<[RegExp, 'file.macros' | 'file.embedded_objects', string]> = [
  [/(^|\/)vbaProject\.bin$/i, 'file.macros', 'a VBA project'],
  [/(^|\/)vbaProjectSignature\.bin$/i, 'file.macros', 'a VBA project signature'],
  [/(^|\/)vbaData\.xml$/i, 'file.macros', 'VBA data'],
  [/^xl\/macrosheets\//i, 'file.macros', 'an Excel 4.0 macro sheet'],
  [/^xl\/activeX\//i, 'file.embedded_objects', 'ActiveX controls'],
  [/^xl\/embeddings\//i, 'file.embedded_objects', 'embedded documents'],
  [/^xl\/ctrlProps\//i, 'file.embedded_objects', 'form controls'],
];

const MACRO_CONTENT_TYPES = [
  'application/vnd.ms-excel.sheet.macroEnabled',
  'application/vnd.ms-excel.template.macroEnabled',
  'application/vnd.ms-excel.addin.macroEnabled',
  'application/vnd.ms-office.vbaProject',
  'application/vnd.ms-excel.macrosheet',
  'application/vnd.ms-excel.intlmacrosheet',
];
const EMBEDDED_CONTENT_TYPES = [
  'application/vnd.ms-office.activeX',
  'application/vnd.openxmlformats-officedocument.oleObject',
];

export async function preflight(
  bytes: Buffer,
  limits: PreflightLimits = DEFAULT_PREFLIGHT_LIMITS,
): Promise<ZipContainer> {
  if (bytes.length === 0) throw new WorkbookRefused('file.empty');
  if (bytes.length > limits.maxFileBytes) {
    throw new WorkbookRefused('file.too_large', {
      size: formatBytes(bytes.length),
      limit: formatBytes(limits.maxFileBytes),
    });
  }
  sniffNonZip(bytes);
  const zip = await ZipContainer.open(bytes, limits);
  for (const name of zip.names) {
    for (const [pattern, code, what] of FORBIDDEN_PARTS) {
      if (pattern.test(name)) throw new WorkbookRefused(code, { detail: what }, `part ${name}`);
    }
  }
  if (!zip.has('[Content_Types].xml')) {
    throw new WorkbookRefused(
      'file.not_xlsx',
      {},
      'no [Content_Types].xml: a zip, but not an Office document',
    );
  }
  // Content types are short; a plain search is enough and needs no parsing yet.
  const contentTypes = zip.readText('[Content_Types].xml');
  if (/<!(DOCTYPE|ENTITY)/i.test(contentTypes)) {
    throw new WorkbookRefused('file.unsafe_xml', { detail: '[Content_Types].xml' }, 'DTD in content types');
  }
  if (MACRO_CONTENT_TYPES.some((type) => contentTypes.includes(type))) {
    throw new WorkbookRefused('file.macros', {}, 'macro-enabled content type');
  }
  const embedded = EMBEDDED_CONTENT_TYPES.find((type) => contentTypes.includes(type));
  if (embedded) throw new WorkbookRefused('file.embedded_objects', { detail: 'embedded objects' }, embedded);
  return zip;
}

/** Names what a non-zip upload is, so the message can say how to fix it. */
function sniffNonZip(bytes: Buffer): void {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return; // "PK": a zip, as an .xlsx should be
  if (bytes.subarray(0, 8).equals(OLE2_MAGIC)) {
    // An OLE2 compound file: Office's container for encrypted workbooks and for .xls.
    const head = bytes.subarray(0, Math.min(bytes.length, 1024 * 1024));
    const has = (stream: string) => head.includes(Buffer.from(stream, 'utf16le'));
    if (has('EncryptedPackage') || has('EncryptionInfo')) throw new WorkbookRefused('file.encrypted');
    if (has('Workbook') || has('Book')) throw new WorkbookRefused('file.old_format');
    throw new WorkbookRefused('file.not_xlsx', {}, 'an OLE2 file that is neither encrypted OOXML nor .xls');
  }
  const head = bytes.subarray(0, 2048).toString('latin1');
  if (head.startsWith('%PDF')) throw new WorkbookRefused('file.pdf');
  const trimmed = head
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  if (
    trimmed.startsWith('<!doctype html') ||
    trimmed.startsWith('<html') ||
    /<(html|table|body)[\s>]/.test(trimmed)
  ) {
    throw new WorkbookRefused('file.html');
  }
  if (looksLikeText(bytes.subarray(0, 4096))) throw new WorkbookRefused('file.text');
  throw new WorkbookRefused('file.not_xlsx', {}, `starts with ${bytes.subarray(0, 8).toString('hex')}`);
}

function looksLikeText(sample: Buffer): boolean {
  let printable = 0;
  for (const byte of sample) {
    if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 0xc2) printable++;
    else if (byte === 0) return false;
  }
  return printable / sample.length > 0.95;
}
