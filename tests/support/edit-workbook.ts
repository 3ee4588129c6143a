/**
 * Edits a filled return cell by cell with exceljs, for tests that need what
 * ReturnValues cannot say: formats (percent, date), formulas with no cached
 * result, error values, the 1904 date system. Cells are found by defined name.
 */
import ExcelJS from 'exceljs';

export type CellEdit = (cell: ExcelJS.Cell) => void;

export async function editWorkbook(
  bytes: Buffer,
  edits: Record<string, CellEdit>,
  workbookEdit?: (workbook: ExcelJS.Workbook) => void,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  for (const [name, edit] of Object.entries(edits)) {
    const ranges = workbook.definedNames.getRanges(name).ranges;
    const [sheetPart, cellPart] = (ranges[0] ?? '').split('!') as [string, string];
    const sheet = workbook.getWorksheet(sheetPart.replace(/^'|'$/g, '').replaceAll("''", "'"));
    if (!sheet || !cellPart) throw new Error(`no defined name ${name}`);
    edit(sheet.getCell(cellPart.replaceAll('$', '').split(':')[0] as string));
  }
  workbookEdit?.(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
