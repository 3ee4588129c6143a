"""An independent reader for the tests: openpyxl, not the project's own code.

Prints one JSON document describing a workbook: sheets and their states,
defined names with the cells they point at (value, locked), data validations,
sheet protection, and, when asked, every cell of named sheets.

    python3 xlsx_probe.py FILE.xlsx [--cells SHEET ...] [--data-only]
"""
import datetime
import json
import sys

import openpyxl


def plain(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    return value


def main(argv):
    path = argv[1]
    data_only = "--data-only" in argv
    cell_sheets = []
    if "--cells" in argv:
        cell_sheets = [a for a in argv[argv.index("--cells") + 1:] if not a.startswith("--")]
    wb = openpyxl.load_workbook(path, data_only=data_only)
    out = {
        "sheets": [{"title": ws.title, "state": ws.sheet_state, "protected": bool(ws.protection.sheet),
                    "freeze": ws.freeze_panes} for ws in wb.worksheets],
        "epoch1904": wb.epoch.year == 1904,
        "names": {},
        "validations": {},
        "cells": {},
    }
    for dn in wb.defined_names.definedName:
        targets = []
        for title, coord in dn.destinations:
            ws = wb[title]
            first = coord.replace("$", "").split(":")[0]
            cell = ws[first]
            targets.append({"sheet": title, "ref": coord.replace("$", ""), "value": plain(cell.value),
                            "locked": bool(cell.protection.locked)})
        out["names"][dn.name] = {"localSheetId": dn.localSheetId, "targets": targets}
    for ws in wb.worksheets:
        out["validations"][ws.title] = [
            {"sqref": str(dv.sqref), "type": dv.type, "operator": dv.operator, "formula1": dv.formula1,
             "promptTitle": dv.promptTitle, "prompt": dv.prompt, "error": dv.error,
             "showInputMessage": bool(dv.showInputMessage)}
            for dv in ws.data_validations.dataValidation
        ]
    for title in cell_sheets:
        ws = wb[title]
        out["cells"][title] = {c.coordinate: plain(c.value) for row in ws.iter_rows() for c in row
                               if c.value is not None}
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv)
