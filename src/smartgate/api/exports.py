"""Tables as files people open in a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads
Vietnamese and Chinese right) and xlsx."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from fastapi import Response
from openpyxl import Workbook

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet(
    rows: Iterable[Mapping[str, object]], columns: Sequence[str], format: str, name: str
) -> Response:
    """The rows as a download named `name`.csv or `name`.xlsx."""
    body = as_csv(rows, columns) if format == "csv" else as_xlsx(rows, columns)
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"content-disposition": f'attachment; filename="{name}.{format}"'},
    )


def as_csv(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    """The rows as CSV with a header line."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def as_xlsx(rows: Iterable[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    """The rows as one sheet with a header row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
