"""An independent reader for the tests: openpyxl, not the project's own code.

Prints one JSON document describing a workbook: sheets and their states,
defined names with the cells they point at (value, locked), data validations,
sheet protection, and, when asked, every cell of named sheets.

With --annotations it adds "annotations": the active sheet, and per sheet
whether its tab is selected, its hyperlinks (ref, location, display, target),
and every cell that exists in the sheet (blank styled cells included) with its
style (fill, number format, font, border, alignment, protection) and its
comment's text, and "highlights": each cell an always-true conditional
formatting rule (type expression) fills, with the fill's colour and the
rule's formula (the first rule in priority order wins).

    python3 xlsx_probe.py FILE.xlsx [--cells SHEET ...] [--data-only] [--annotations]
"""
import datetime
import json
import sys

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries


def plain(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    return value


def colour(color):
    if color is None:
        return None
    if color.type == "rgb":
        return color.rgb if isinstance(color.rgb, str) else None
    if color.type == "theme":
        return "theme:%s%s" % (color.theme, "" if not color.tint else ":%s" % color.tint)
    if color.type == "indexed":
        return "indexed:%s" % color.indexed
    return None


def cell_style(cell):
    fill = cell.fill
    font = cell.font
    border = cell.border
    alignment = cell.alignment
    return {
        "fill": {"type": fill.fill_type, "fgColor": colour(fill.fgColor)} if fill is not None else None,
        "numberFormat": cell.number_format,
        "font": {"name": font.name, "size": font.sz, "bold": bool(font.b), "italic": bool(font.i),
                 "underline": font.u, "color": colour(font.color)},
        "border": {side: getattr(getattr(border, side), "style", None)
                   for side in ("left", "right", "top", "bottom")},
        "alignment": {"horizontal": alignment.horizontal, "vertical": alignment.vertical,
                      "wrapText": bool(alignment.wrap_text)},
        "protection": {"locked": bool(cell.protection.locked), "hidden": bool(cell.protection.hidden)},
    }


def annotations(wb):
    out = {"activeSheet": wb.active.title if wb.active is not None else None, "sheets": {}}
    for ws in wb.worksheets:
        cells = {}
        links = []
        for (row, column), cell in sorted(ws._cells.items()):
            entry = cell_style(cell)
            entry["value"] = plain(cell.value)
            entry["comment"] = cell.comment.text if cell.comment is not None else None
            cells[cell.coordinate] = entry
            if cell.hyperlink is not None:
                links.append({"ref": cell.coordinate, "location": cell.hyperlink.location,
                              "display": cell.hyperlink.display, "target": cell.hyperlink.target})
        out["sheets"][ws.title] = {
            "tabSelected": bool(ws.sheet_view.tabSelected),
            "hyperlinks": links,
            "cells": cells,
            "highlights": highlights(ws),
        }
    return out


def highlights(ws):
    found = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.type != "expression" or rule.dxf is None or rule.dxf.fill is None:
                continue
            fill = rule.dxf.fill
            rgb = colour(fill.bgColor) or colour(fill.fgColor)
            found.append((rule.priority or 0, str(cf.sqref), rgb, (rule.formula or [None])[0]))
    out = {}
    for _, sqref, rgb, formula in sorted(found, key=lambda entry: entry[0]):
        for ref in sqref.split():
            (min_col, min_row, max_col, max_row) = range_boundaries(ref)
            for row in range(min_row, min(max_row, min_row + 10000) + 1):
                for column in range(min_col, min(max_col, min_col + 100) + 1):
                    coord = "%s%d" % (get_column_letter(column), row)
                    out.setdefault(coord, {"fill": rgb, "formula": formula})
    return out


def main(argv):
    path = argv[1]
    data_only = "--data-only" in argv
    cell_sheets = []
    if "--cells" in argv:
        cell_sheets = [a for a in argv[argv.index("--cells") + 1:] if not a.startswith("--")]
    wb = openpyxl.load_workbook(path, data_only=data_only)
    out = {
        "sheets": [{"title": ws.title, "state": ws.sheet_state, "protected": bool(ws.protection.sheet),
                    "freeze": ws.freeze_panes, "printTitleRows": ws.print_title_rows}
                   for ws in wb.worksheets],
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
    if "--annotations" in argv:
        out["annotations"] = annotations(wb)
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv)
