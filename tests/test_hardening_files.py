"""Issue 14 item 7: hostile or unusual files are refused in Chinese or read right, never garbled or a traceback."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from test_cli import kgmatch

from graph.errors import ValidationError
from graph.local_store import LocalStore
from graph.model import Label
from ingest.importers import import_file
from ingest.readers import read_rows

HEAD = "项目批准号,项目类别,项目名称,依托单位,负责人,金额,起止年月\n"
ROWS = ("71001,面上项目,供应链金融风险评估方法研究,复旦大学,张三,30,2010.01-2013.12\n"
        "71002,面上项目,城市交通拥堵治理的博弈模型,同济大学,李四,30,2011.01-2014.12\n")


@pytest.mark.parametrize("encoding", ["big5", "shift_jis"])
def test_big5_and_shift_jis_files_are_refused_not_garbled(tmp_path, local_store, encoding):
    path = tmp_path / "p.csv"
    text = HEAD + ROWS if encoding == "big5" else HEAD + "71003,面上項目,東京大学の研究計画について,東京大学,山田太郎,30,2010.01-2013.12\n"
    path.write_bytes(text.encode(encoding, errors="replace"))
    with pytest.raises(ValidationError) as err:
        import_file(path, "project", local_store)
    assert "UTF-8" in err.value.message
    assert local_store.count_nodes(Label.PROJECT) == 0


def test_a_gbk_file_still_loads(tmp_path, local_store):
    path = tmp_path / "p.csv"
    path.write_bytes((HEAD + ROWS).encode("gbk"))
    report = import_file(path, "project", local_store)
    assert report.ok and local_store.get_node(Label.EXPERT, "expert:张三@复旦大学") is not None


def test_a_utf16_file_as_excel_saves_unicode_text_loads(tmp_path, local_store):
    path = tmp_path / "p.csv"
    path.write_bytes((HEAD + ROWS).replace(",", "\t").encode("utf-16"))  # BOM, tab-separated
    report = import_file(path, "project", local_store)
    assert report.ok, report.errors
    assert local_store.count_nodes(Label.PROJECT) == 2


def test_utf16_without_a_bom_is_named(tmp_path, local_store):
    path = tmp_path / "p.csv"
    path.write_bytes((HEAD + ROWS).encode("utf-16-le"))
    with pytest.raises(ValidationError) as err:
        import_file(path, "project", local_store)
    assert "UTF-16" in err.value.message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_deeply_nested_json_is_a_chinese_error_not_a_traceback(tmp_path, suffix):
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 100_000 + "]" * 100_000 if suffix == ".json" else '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
                    encoding="utf-8")
    errors: list = []
    try:
        rows = list(read_rows(path, errors))
    except ValidationError as err:
        assert "嵌套层数过多" in err.message
    else:
        assert rows == [] and "嵌套层数过多" in errors[0].reason


def test_a_nsfc_row_with_an_empty_pi_is_refused(tmp_path, local_store):
    path = tmp_path / "p.csv"
    path.write_text(HEAD + ROWS + "71004,面上项目,无人负责的项目,复旦大学,,30,2010.01-2013.12\n", encoding="utf-8")
    report = import_file(path, "project", local_store)
    assert [(e.row, e.field) for e in report.errors] == [(4, "负责人")]
    assert local_store.count_nodes(Label.PROJECT) == 2


def test_error_files_go_to_the_data_directory_and_neutralise_formulas(tmp_path):
    data = tmp_path / "data"
    LocalStore(data).close()
    path = tmp_path / "d.csv"
    path.write_text("需求编号,需求标题,预算\n=cmd|' /C calc'!A0,@SUM(1),-5\n", encoding="utf-8")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = kgmatch("--data-dir", str(data), "load", str(path), "--kind", "demand", data_dir=elsewhere / "var")
    assert result.returncode != 0
    error_file = data / "errors" / "d.errors.csv"
    assert error_file.exists() and not (elsewhere / "var" / "errors").exists()
    with error_file.open(encoding="utf-8-sig") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells), cells


def test_the_demand_export_neutralises_formulas(tmp_path):
    from api.pages.demands import export_workbook

    data = export_workbook([{"id": "d:x", "title": "=HYPERLINK(\"http://evil\")", "description": "@SUM(A1)"}],
                           filters={}, total=1)
    path = tmp_path / "demands.xlsx"
    with open(path, "wb") as fh:
        fh.write(data)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    titles = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == "=HYPERLINK(\"http://evil\")"]
    assert titles and all(c.data_type == "s" and c.quotePrefix for c in titles)
    assert json.dumps([c.value for c in titles])


def _xlsx(path, rows, merge=None):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def test_xlsx_formulas_without_a_result_are_row_errors_not_empty_cells(tmp_path, local_store):
    head = HEAD.strip().split(",")
    path = _xlsx(tmp_path / "p.xlsx", [head, ["71001", "面上项目", "供应链金融风险", "复旦大学", "张三", "=10+20", "2010.01-2013.12"],
                                       ["71002", "面上项目", "城市交通拥堵", "同济大学", "李四", 30, "2011.01-2014.12"]])
    report = import_file(path, "project", local_store)
    assert [(e.row, e.field) for e in report.errors] == [(2, "金额")]
    assert "公式" in report.errors[0].reason and local_store.count_nodes(Label.PROJECT) == 1


def test_xlsx_merged_cells_over_rows_are_named(tmp_path, local_store):
    head = HEAD.strip().split(",")
    path = _xlsx(tmp_path / "p.xlsx", [head, ["71001", "面上项目", "供应链金融风险", "复旦大学", "张三", 30, "2010.01-2013.12"],
                                       ["71002", "面上项目", "城市交通拥堵", None, "李四", 30, "2011.01-2014.12"]],
                 merge="D2:D3")
    report = import_file(path, "project", local_store)
    assert [(e.row, e.field) for e in report.errors] == [(3, "依托单位")]
    assert "合并单元格 D2:D3" in report.errors[0].reason
