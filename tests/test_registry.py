"""Enterprise registry status (issue 16): the list formats, the importers' Chinese row errors, idempotent
reloads, the demand lists' registry filter, and the synthetic demo lists — on both stores."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from graph.clock import BEIJING, fixed_clock
from graph.errors import ValidationError
from graph.model import Label, RelType
from graph.store import Batch, Direction
from ingest.demo import REGISTRY_DIR, demo_plan
from ingest.importers import import_file
from ingest.registry import (
    parse_hnte_number,
    parse_tsme_number,
    srdi_level,
    statuses_by_enterprise,
)
from ingest.registry_sample import HEADERS, registry_rows, write_sample
from ingest.taxonomies import load_taxonomy
from workflow.registry_status import enterprise_statuses, enterprises_with
from workflow.selection import demand_query, find_demands, select_demands

NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING)
ROOT = Path(__file__).resolve().parent.parent
REGIONS = [{"code": "44", "name": "广东省", "children": [
    {"code": "4401", "name": "广州市", "children": [{"code": "440105", "name": "海珠区"},
                                                  {"code": "440106", "name": "天河区"}]}]}]
ENT_A, ENT_B = "ent:91440105MA59ABCD1X", "ent:91440106MA5CXY12RN"


def _world(store, tmp_path: Path):
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(REGIONS, ensure_ascii=False), encoding="utf-8")
    assert load_taxonomy(path, "gbt2260", store).ok
    store.write(Batch()
                .add_nodes(Label.ENTERPRISE, [
                    {"id": ENT_A, "name": "广州示例检测技术有限公司", "credit_code": ENT_A[4:]},
                    {"id": ENT_B, "name": "广州示例新材料有限公司", "credit_code": ENT_B[4:]},
                    {"id": "ent:c", "name": "广州无资质贸易有限公司"}])
                .add_nodes(Label.DEMAND, [{"id": "d:a", "title": "检测设备校准", "status": "待对接"},
                                          {"id": "d:b", "title": "陶瓷烧结", "status": "待对接"},
                                          {"id": "d:c", "title": "仓储管理", "status": "对接中"}])
                .add_rels(RelType.POSTED, Label.ENTERPRISE, Label.DEMAND, [
                    {"start": ENT_A, "end": "d:a"}, {"start": ENT_B, "end": "d:b"}, {"start": "ent:c", "end": "d:c"}]))
    return store


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


HNTE = ("序号,企业名称,统一社会信用代码,证书编号,发证日期,有效期至\n"
        f"1,广州示例检测技术有限公司,{ENT_A[4:]},GR202444001234,2024-12-11,2027-12-10\n"
        "2,广州新来科技有限公司,91440106MA5NEW0001,GR202544000077,2025-11-28,\n"
        f"3,广州示例新材料有限公司,{ENT_B[4:]},GR202344001999,2023-11-30,2026-11-29\n"
        f"4,广州示例新材料有限公司,{ENT_B[4:]},GR20234400199,2023-11-30,\n"
        f"5,广州示例新材料有限公司,{ENT_B[4:]},GR202499001000,2024-11-30,\n"
        f"6,广州示例新材料有限公司,{ENT_B[4:]},GR202444001000,2025-01-30,\n"
        "7,广州示例新材料有限公司,91440106MA5CXY99RN,GR202444001001,2024-12-01,\n")
TSME = ("company,credit_code,registration_no,year\n"
        f"广州示例新材料有限公司,{ENT_B[4:]},202644010512000123,2026\n"
        f"广州示例检测技术有限公司,{ENT_A[4:]},202444010601000001,2024\n"
        f"广州示例检测技术有限公司,{ENT_A[4:]},202644019901000001,2026\n"
        f"广州示例检测技术有限公司,{ENT_A[4:]},2026440105,2026\n"
        f"广州示例检测技术有限公司,{ENT_A[4:]},202544010601000002,2024\n")
SRDI = ("企业名称,认定级别,认定年份\n"
        "广州示例新材料有限公司,国家级专精特新“小巨人”企业,2025\n"
        "广州示例检测技术有限公司,省级,2022\n"
        "广州示例检测技术有限公司,瞪羚企业,2025\n")


# -- the formats (pure) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("number, message", [
    ("GR2023440012", "格式不正确"), ("gr 2023 44 001234", None), ("GR202399001234", "省级行政区划代码「99」"),
    ("TR202344001234", "格式不正确"), ("GR199944001234", "格式不正确")])
def test_hnte_numbers_follow_the_certificate_format(number, message):
    if message is None:
        assert parse_hnte_number(number).year == 2023
        return
    with pytest.raises(ValueError, match=message):
        parse_hnte_number(number)


def test_tsme_numbers_carry_year_and_county_code():
    parsed = parse_tsme_number("202344010512000123")
    assert (parsed.year, parsed.region, parsed.serial) == (2023, "440105", "12000123")
    for bad in ("20234401051200012", "2023440105120001234", "2023A40105120001"):
        with pytest.raises(ValueError, match="入库登记编号格式不正确"):
            parse_tsme_number(bad)


def test_srdi_levels_and_statuses_as_of_a_day():
    assert srdi_level("小巨人") == "专精特新“小巨人”企业" and srdi_level("省级专精特新") == "专精特新中小企业"
    regs = [{"enterprise_id": "e", "kind": "专精特新", "level": "专精特新中小企业", "year": 2025,
             "expires_on": "2027-12-31"},
            {"enterprise_id": "e", "kind": "高新技术企业", "issued_on": "2026-12-20", "expires_on": "2029-12-19"}]
    assert statuses_by_enterprise(regs, datetime.date(2026, 12, 2)) == {"e": ["专精特新", "专精特新中小企业"]}
    assert statuses_by_enterprise(regs, datetime.date(2028, 1, 1)) == {"e": ["高新技术企业"]}


# -- the importers (both stores) ------------------------------------------------------------------------
def _errors(report) -> dict[int, str]:
    return {e.row: f"{e.field}:{e.reason}" for e in report.errors}


def test_hnte_list_loads_good_rows_and_names_bad_ones_in_chinese(store, tmp_path):
    _world(store, tmp_path)
    with fixed_clock(NOW):
        report = import_file(_csv(tmp_path / "高企名单.csv", HNTE), "hnte", store)
    errors = _errors(report)
    assert sorted(errors) == [4, 5, 6, 7, 8]  # header is row 1
    assert "到期" in errors[4] and errors[4].startswith("有效期至")
    assert errors[5].startswith("证书编号") and "格式不正确" in errors[5]
    assert "省级行政区划代码「99」" in errors[6]
    assert errors[7].startswith("发证日期") and "年份 2024" in errors[7]
    assert errors[8].startswith("统一社会信用代码") and "不一致" in errors[8]
    reg = store.get_node(Label.REGISTRATION, "reg:hnte:GR202444001234")
    assert reg.props["expires_on"] == "2027-12-10" and reg.props["kind"] == "高新技术企业"
    assert [nb.node.id for nb in store.neighbors(Label.REGISTRATION, reg.id, direction=Direction.IN,
                                                 rel_types=[RelType.HOLDS])] == [ENT_A]
    created = store.get_node(Label.ENTERPRISE, "ent:91440106MA5NEW0001")  # a new enterprise from the list
    assert created.props["name"] == "广州新来科技有限公司" and created.props["source"] == "高新技术企业名单"
    assert store.get_node(Label.REGISTRATION, "reg:hnte:GR202544000077").props["expires_on"] == "2028-11-27"
    before = store.counts().as_dict()
    with fixed_clock(NOW):
        again = import_file(tmp_path / "高企名单.csv", "hnte", store)
    assert again.rejected_rows == 5 and store.counts().as_dict() == before  # reloading changes nothing


def test_hnte_certificate_of_another_province_than_the_enterprise_is_refused(store, tmp_path):
    _world(store, tmp_path)
    store.write(Batch()
                .add_nodes(Label.REGION, [{"id": "region:330000", "code": "330000", "name": "浙江省"}])
                .add_rels(RelType.LOCATED_IN, Label.ENTERPRISE, Label.REGION, [{"start": ENT_A, "end": "region:440105"}]))
    header = "企业名称,统一社会信用代码,证书编号,发证日期\n"
    zhejiang = f"广州示例检测技术有限公司,{ENT_A[4:]},GR202433001234,2024-12-11\n"
    with fixed_clock(NOW):
        report = import_file(_csv(tmp_path / "hnte.csv", header + zhejiang
                                  + f"广州示例检测技术有限公司,{ENT_A[4:]},GR202444001234,2024-12-11\n"
                                  + f"广州示例新材料有限公司,{ENT_B[4:]},GR202433005678,2024-12-11\n"), "hnte", store)
    assert [e.message() for e in report.errors] == [
        "第 2 行「证书编号」编号中的省级行政区划代码「33」（浙江省）与企业「广州示例检测技术有限公司」所在地区"
        "「广东省广州市海珠区」（440105）不在同一省份，请核对证书编号或企业库中的所在地区"]
    assert store.get_node(Label.REGISTRATION, "reg:hnte:GR202433001234") is None
    assert store.get_node(Label.REGISTRATION, "reg:hnte:GR202444001234").props["province"] == "44"
    # an enterprise the library places nowhere is not checked
    assert store.get_node(Label.REGISTRATION, "reg:hnte:GR202433005678").props["enterprise_id"] == ENT_B
    before = store.counts().as_dict()
    with fixed_clock(NOW):
        refused = import_file(_csv(tmp_path / "only-bad.csv", header + zhejiang), "hnte", store)
    assert refused.rejected_rows == 1 and refused.rows == 0 and store.counts().as_dict() == before


def test_tsme_and_srdi_lists_with_english_and_chinese_headers(store, tmp_path):
    _world(store, tmp_path)
    with fixed_clock(NOW):
        tsme = import_file(_csv(tmp_path / "tsme.csv", TSME), "tsme", store)
        srdi = import_file(_csv(tmp_path / "srdi.csv", SRDI), "srdi", store)
    errors = _errors(tsme)
    assert sorted(errors) == [3, 4, 5, 6]
    assert "已过期" in errors[3] and "2024 年度入库" in errors[3]
    assert "「440199」不在地区代码表中" in errors[4]
    assert "格式不正确" in errors[5]
    assert errors[6].startswith("year") and "与编号中的年份 2025 不一致" in errors[6]
    assert store.get_node(Label.REGISTRATION, "reg:tsme:202644010512000123").props["expires_on"] == "2027-12-31"
    errors = _errors(srdi)
    assert sorted(errors) == [3, 4] and "到期" in errors[3] and "未知的专精特新级别「瞪羚企业」" in errors[4]
    with fixed_clock(NOW):
        assert enterprise_statuses(store) == {ENT_B: ["科技型中小企业", "专精特新", "专精特新“小巨人”企业"]}


def test_demand_lists_filter_by_the_enterprise_registry_status(store, tmp_path):
    _world(store, tmp_path)
    with fixed_clock(NOW):
        import_file(_csv(tmp_path / "hnte.csv", HNTE), "hnte", store)
        import_file(_csv(tmp_path / "tsme.csv", TSME), "tsme", store)

        def ids(values, **kw):
            return [d.id for d in select_demands(store, demand_query(store, {"registry": values}, **kw))]

        assert ids("高新技术企业") == ["d:a"]
        assert ids("科技型中小企业") == ["d:b"]
        assert ids("高新技术企业,科技型中小企业") == ["d:a", "d:b"]
        assert ids(["无资质"]) == ["d:c"]
        assert ids("专精特新") == []
        assert ids("无资质", statuses=("待对接",)) == []
        page = find_demands(store, demand_query(store, {"registry": "高新技术企业"}), skip=0, limit=10)
        assert [d.id for d in page.nodes] == ["d:a"] and page.total == 1
        assert find_demands(store, demand_query(store, {"registry": "专精特新"}), skip=0, limit=10).total == 0
        assert enterprises_with(store, ["无资质"]) == ("ent:c",)
        with pytest.raises(ValidationError, match="未知的企业资质「瞪羚」") as err:
            demand_query(store, {"registry": "瞪羚"}, prefix="filters.")
        assert err.value.errors[0].field == "filters.registry"


# -- the synthetic demo lists ---------------------------------------------------------------------------
def test_demo_registry_lists_are_regenerated_byte_for_byte_from_their_seed(tmp_path):
    counts = write_sample(tmp_path)
    for kind in HEADERS:
        name = f"registry-{kind}.csv"
        assert (tmp_path / name).read_bytes() == (REGISTRY_DIR / name).read_bytes(), name
    assert counts["hnte"] > 0 and counts["tsme"] > 0 and counts["srdi"] > 0


def test_demo_registry_lists_name_demo_enterprises_and_load_after_them():
    enterprises = [json.loads(line) for line in (ROOT / "data/demo/enterprises.jsonl").read_text("utf-8").splitlines()]
    credits = {e["credit_code"] for e in enterprises}
    lists = registry_rows(enterprises)
    assert all(row["统一社会信用代码"] in credits for rows in lists.values() for row in rows)
    assert all(row["数据来源"] == "synthetic" for rows in lists.values() for row in rows)
    assert registry_rows(enterprises, seed=1) != lists  # the seed matters
    kinds = [step.kind for step in demo_plan()]
    assert kinds.index("enterprise") < kinds.index("hnte") < kinds.index("tsme") < kinds.index("srdi")


def test_demo_registry_lists_load_without_a_bad_row_onto_the_demo_enterprises(local_store):
    """Every shipped row is valid on the demo's date against the real region codes (GB/T 2260)."""
    assert load_taxonomy(ROOT / "data/taxonomies/gbt2260-regions/pca-code.json", "gbt2260", local_store).ok
    rows = [json.loads(line) for line in (ROOT / "data/demo/enterprises.jsonl").read_text("utf-8").splitlines()]
    local_store.write(Batch().add_nodes(Label.ENTERPRISE, [
        {"id": r["id"], "name": r["name"], "credit_code": r["credit_code"]} for r in rows]))
    with fixed_clock(NOW):
        for kind in HEADERS:
            report = import_file(REGISTRY_DIR / f"registry-{kind}.csv", kind, local_store)
            assert report.ok, [e.message() for e in report.errors]
    assert local_store.count_nodes(Label.ENTERPRISE) == len(rows)  # no enterprise created: all are demo ones
