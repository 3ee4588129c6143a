"""An independent filler for the tests: openpyxl, as a partnership's own tooling might.

Fills a return template through its workbook-level defined names (the public
contract: each item's input cell is named with its ID, each table column's
input cells with TABLE.COLUMN) and saves a copy. Numbers go in as numbers, ISO
dates (2025-10-14) as real dates unless the cell is formatted as text, and
anything else as text. A value whose ID has no name in the template is an error.

    python3 fill_with_openpyxl.py TEMPLATE.xlsx VALUES.json OUT.xlsx

VALUES.json is a return's values: {"items": {ID: value}, "tables": {TABLE: [{COLUMN: value}]}}.
"""
import datetime
import json
import re
import sys

import openpyxl
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import range_boundaries

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def named_ranges(wb):
    """Workbook-level names (openpyxl 3.0: wb.defined_names.definedName) → (sheet, bounds)."""
    ranges = {}
    for dn in wb.defined_names.definedName:
        if dn.localSheetId is not None:
            continue
        destinations = list(dn.destinations)
        if not destinations:
            continue
        title, coord = destinations[0]
        min_col, min_row, max_col, max_row = range_boundaries(coord.replace("$", ""))
        ranges[dn.name.upper()] = (wb[title], min_col, min_row, max_row)
    return ranges


def put(cell, value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SystemExit(f"{what}: {value!r} is not a number or text")
    if isinstance(value, str) and ISO_DATE.match(value) and cell.number_format != "@":
        day = datetime.date.fromisoformat(value)
        # A datetime at midnight: openpyxl writes the serial number and keeps the cell's date format.
        cell.value = datetime.datetime(day.year, day.month, day.day)
        if not is_date_format(cell.number_format):
            cell.number_format = "dd/mm/yyyy"
    else:
        cell.value = value


def main(argv):
    if len(argv) != 4:
        raise SystemExit("usage: fill_with_openpyxl.py TEMPLATE.xlsx VALUES.json OUT.xlsx")
    template, values_file, out = argv[1:]
    with open(values_file, encoding="utf-8") as handle:
        values = json.load(handle)
    wb = openpyxl.load_workbook(template)
    names = named_ranges(wb)
    problems = []

    for item_id, value in values.get("items", {}).items():
        target = names.get(item_id.upper())
        if target is None:
            problems.append(f"the template has no defined name {item_id}")
            continue
        ws, col, top, _bottom = target
        put(ws.cell(row=top, column=col), value, item_id)

    for table_id, rows in values.get("tables", {}).items():
        for index, row in enumerate(rows):
            for column_id, value in row.items():
                name = f"{table_id}.{column_id}"
                target = names.get(name.upper())
                if target is None:
                    problems.append(f"the template has no defined name {name}")
                    continue
                ws, col, top, bottom = target
                if top + index > bottom:
                    problems.append(f"{table_id} has {len(rows)} rows, but {name} has room for {bottom - top + 1}")
                    continue
                put(ws.cell(row=top + index, column=col), value, f"{name} row {index + 1}")

    if problems:
        raise SystemExit("Cannot fill the template: " + "; ".join(dict.fromkeys(problems)) + ".")
    wb.save(out)


if __name__ == "__main__":
    main(sys.argv)
