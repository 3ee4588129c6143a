/**
 * Why an uploaded file could not be read at all. Not a failure of the system:
 * every refusal becomes a `fatal` finding with a message a grant holder can act
 * on. Codes are stable (they appear in reports and the JSON schema).
 */

export const REFUSALS = {
  'file.empty':
    'This file is empty (0 bytes), so there is nothing to check. It may not have finished saving or uploading: please save the workbook in Excel and send it again.',
  'file.too_large':
    'This file is {size}, larger than the {limit} a monitoring return can be. A filled-in template is usually well under 1 MB: please check you are sending the return itself, without pasted data or pictures.',
  'file.pdf':
    'This file is a PDF, not an Excel workbook. Please send the Excel template (.xlsx) you filled in, not a printed or exported copy.',
  'file.html':
    'This file is a web page (HTML), not an Excel workbook, even though its name may end in .xlsx. Please open your return in Excel and use File › Save As › Excel Workbook (.xlsx), then send it again.',
  'file.text':
    'This file is plain text (such as CSV), not an Excel workbook. Please fill in the Excel template and save it as an Excel Workbook (.xlsx).',
  'file.encrypted':
    "This workbook is password-protected, so it can't be checked. Remove the password (File › Info › Protect Workbook) and upload it again.",
  'file.old_format':
    'This is an old-style Excel file (.xls). Please open it in Excel, save it as an Excel Workbook (.xlsx) with File › Save As, and send it again.',
  'file.not_xlsx':
    'This file is not an Excel workbook (.xlsx), or it is badly damaged. Please save your return in Excel as an Excel Workbook (.xlsx) and send it again.',
  'file.damaged':
    'This workbook is damaged and cannot be opened ({detail}). It may have been cut short while saving or uploading: please open it in Excel, save it again and send it.',
  'file.too_much_content':
    'This file unpacks to far more data than a monitoring return can hold ({detail}), so it was not opened. Please send the filled-in template itself, without pasted data.',
  'file.macros':
    "This workbook contains macros (VBA code). For everyone's safety, returns with macros can't be accepted. Please save it with File › Save As › Excel Workbook (.xlsx), which removes the macros, and send it again.",
  'file.embedded_objects':
    "This workbook contains embedded objects or ActiveX controls ({detail}). For safety these can't be accepted. Please delete them, save the workbook and send it again.",
  'file.unsafe_xml':
    'This workbook contains XML that Excel never writes (a document type declaration in {detail}), which can be used to attack the systems that read it, so it was not opened. Please open it in Excel, save it as an Excel Workbook (.xlsx) and send it again.',
  'file.too_many_rows':
    'The sheet "{sheet}" has more than {limit} rows, far more than a monitoring return needs. This usually means data was pasted in by mistake: please delete the extra rows, save, and send the return again.',
  'file.too_many_cells':
    'This workbook holds more than {limit} filled cells, far more than a monitoring return needs. This usually means data was pasted in by mistake: please delete it, save, and send the return again.',
  'file.text_too_long':
    'A cell in this workbook holds more text than Excel allows in a cell ({limit} characters), so the file was not made by Excel and was not opened. Please open it in Excel, save it, and send it again.',
} as const;

export type RefusalCode = keyof typeof REFUSALS;

export class WorkbookRefused extends Error {
  readonly userMessage: string;
  constructor(
    readonly code: RefusalCode,
    values: Readonly<Record<string, string>> = {},
    /** For the log only: what exactly was wrong, in a maintainer's terms. */
    readonly detail?: string,
  ) {
    const userMessage = REFUSALS[code].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
    super(`${code}: ${detail ?? userMessage}`);
    this.name = 'WorkbookRefused';
    this.userMessage = userMessage;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
