/** Workbooks for the benchmark: a real filled return, and the same with a large pasted sheet. */
import { columnLetters } from '../../functions/src/dictionary/excel-names.js';
import { patchWorkbook } from '../fixtures/hostile-workbooks.js';

/**
 * The return plus a "Pasted data" sheet of about `cells` cells (20 columns),
 * as when an analyst pastes an extract beside the template.
 */
export function withPastedSheet(base: Buffer, cells: number): Buffer {
  const columns = 20;
  const rows = Math.ceil(cells / columns);
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
  ];
  const letters = Array.from({ length: columns }, (_, i) => columnLetters(i + 1));
  for (let row = 1; row <= rows; row++) {
    let line = `<row r="${row}">`;
    for (let column = 0; column < columns; column++) {
      const ref = `${letters[column]}${row}`;
      line +=
        column % 5 === 0
          ? `<c r="${ref}" t="inlineStr"><is><t>Service ${row}-${column}</t></is></c>`
          : `<c r="${ref}"><v>${(row * 31 + column * 7) % 1000}</v></c>`;
    }
    parts.push(`${line}</row>`);
  }
  parts.push('</sheetData></worksheet>');
  return addSheet(base, 'Pasted data', Buffer.from(parts.join(''), 'utf8'));
}

/** The return with a data validation over every column of one of its sheets (exceljs's #1842 trap). */
export function withWholeColumnValidation(base: Buffer): Buffer {
  return patchWorkbook(base, (parts) => {
    const name = 'xl/worksheets/sheet3.xml';
    const xml = parts.get(name)?.toString('utf8') ?? '';
    const validation =
      '<dataValidations count="1"><dataValidation type="whole" allowBlank="1" sqref="A:XFD"><formula1>0</formula1></dataValidation></dataValidations>';
    parts.set(
      name,
      Buffer.from(xml.replace(/<dataValidations[^>]*>.*?<\/dataValidations>/s, validation), 'utf8'),
    );
  });
}

function addSheet(base: Buffer, title: string, sheetXml: Buffer): Buffer {
  return patchWorkbook(base, (parts) => {
    const part = 'xl/worksheets/sheet99.xml';
    parts.set(part, sheetXml);
    const types = parts.get('[Content_Types].xml')?.toString('utf8') ?? '';
    parts.set(
      '[Content_Types].xml',
      Buffer.from(
        types.replace(
          '</Types>',
          `<Override PartName="/${part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
        ),
      ),
    );
    const rels = parts.get('xl/_rels/workbook.xml.rels')?.toString('utf8') ?? '';
    parts.set(
      'xl/_rels/workbook.xml.rels',
      Buffer.from(
        rels.replace(
          '</Relationships>',
          `<Relationship Id="rIdBench" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet99.xml"/></Relationships>`,
        ),
      ),
    );
    const workbook = parts.get('xl/workbook.xml')?.toString('utf8') ?? '';
    parts.set(
      'xl/workbook.xml',
      Buffer.from(
        workbook.replace('</sheets>', `<sheet name="${title}" sheetId="99" r:id="rIdBench"/></sheets>`),
      ),
    );
  });
}
