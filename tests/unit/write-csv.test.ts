/** The CSV export of the tidy data (the programme and published workbooks are in tests/differential/). */
import { describe, expect, it } from 'vitest';

describe('CSV', () => {
  it('keeps text that starts like a formula from becoming one', async () => {
    const { csvCell, toCsv } = await import('../../functions/src/summaries/write-csv.js');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+44 20 7946 0000')).toBe("'+44 20 7946 0000");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@ home')).toBe("'@ home");
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell('a "quoted", text')).toBe('"a ""quoted"", text"');
    expect(toCsv(['A', 'B'], [['x', 1]])).toBe('A,B\r\nx,1\r\n');
  });
});
