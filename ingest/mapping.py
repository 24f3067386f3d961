"""Column mappings of the domain importers: per kind, which headers mean which field.

``kgmatch load FILE --kind KIND`` reads CSV (UTF-8 or GBK), XLSX (first sheet, row 1
is the header) and JSON (``.jsonl`` one object per line, or ``.json`` an array of
objects). Each column or JSON key is matched to a canonical field of the kind below;
matching ignores case, spaces, full-/half-width differences and a trailing ``*``, so
``金额（万元）``, ``金额(万元)`` and ``Amount_Wan`` all work. Unknown columns are ignored
(and logged). A required column missing from a CSV/XLSX header fails the whole file;
every other problem is a row error naming the row and the column as the file spells it.

Kinds and their fields (canonical name — accepted headers — value):

* ``enterprise`` (企业): ``id`` — 企业编号; ``name`` * — 企业名称; ``credit_code`` — 统一社会信用代码
  (18 characters); ``region`` — 所在地区 (name such as 浙江省杭州市 or code 330100 → Region);
  ``industry`` — 所属行业 (GB/T 4754-2011 code such as C3841 / 3841, or exact name → Industry;
  several allowed); ``address``, ``scale`` 企业规模, ``established`` 成立日期, ``employees`` 员工人数,
  ``revenue_wan`` 营业收入（万元）, ``high_tech`` 是否高新技术企业, ``description`` 企业简介,
  ``keywords`` 主营业务/关键词, ``contact`` 联系人, ``phone`` 联系电话, ``email`` 电子邮箱,
  ``website`` 网址, ``source`` 数据来源.
  Id when not given: ``ent:<统一社会信用代码>``, else ``ent:<企业名称>``.
* ``demand`` (技术需求): ``id`` — 需求编号; ``title`` * — 需求标题; ``description`` 需求描述;
  ``enterprise`` 需求企业 (enterprise id, credit code or exact name, already loaded → POSTED);
  ``fields`` 技术领域 (Field references with optional weights → NEEDS {weight});
  ``industry`` 所属行业 → IN_INDUSTRY; ``region`` 所在地区 → LOCATED_IN; ``status`` 需求状态
  (default 待对接); ``posted`` 发布日期; ``deadline`` 截止日期; ``budget_wan`` 预算（万元）;
  ``keywords`` 关键词; ``contact``, ``phone``, ``email``, ``source``.
  Id when not given: ``demand:`` + the first 16 hex digits of sha1("<enterprise id>|<title>").
* ``expert`` (专家): ``id`` — 专家编号; ``name`` * — 专家姓名; ``institution`` 工作单位 (required
  unless ``id`` is given: experts are identified by name + institution, never by name alone →
  WORKS_AT, the Institution is created when new); ``title`` 职称; ``position`` 职务; ``degree`` 学历;
  ``gender`` 性别; ``birth_year`` 出生年份; ``keywords`` 研究方向; ``fields`` 技术领域 →
  EXPERT_IN {weight, source}; ``talents`` 人才称号; ``bio`` 个人简介; ``phone``, ``email``, ``source``.
  Id when not given: ``expert:<姓名>@<工作单位>``.
* ``institution`` (机构): ``id``; ``name`` * — 机构名称; ``type`` 机构类型; ``region`` 所在地区 →
  LOCATED_IN (inferred from the name when not given); ``lat`` 纬度; ``lon`` 经度; ``credit_code``,
  ``address``, ``website``, ``source``. Id when not given: ``inst:<机构名称>``.
* ``project`` (项目): ``id``; ``approval_no`` — 项目批准号; ``title`` * — 项目名称; ``fund_type``
  项目类别; ``institution`` 依托单位; ``pi`` 负责人 (→ Expert ``expert:<负责人>@<依托单位>``, LEADS,
  WORKS_AT); ``amount_wan`` 金额（万元）; ``period`` 起止年月 (``2015.05-2016.02`` → start_year,
  end_year); ``approval_year`` 批准年份; ``start_year``; ``end_year``; ``keywords`` 关键词;
  ``fields`` 申请代码 → IN_FIELD, and EXPERT_IN for the PI with weight 1 − 0.5^n over the n
  projects the PI leads in that field (in the store and the file); ``rating`` 总评;
  ``abstract`` 摘要; ``source`` (default ``nsfc``). NSFC's Chinese layout (项目批准号, 项目类别,
  项目名称, 依托单位, 负责人, 金额, 起止年月, 总评) and the English one of the life-science crawl
  (approval_no, title, fund_type, application_code, pi_name, institution, funding_wan_yuan,
  approval_year, end_year, keywords) are accepted as they are.
  Id when not given: ``<source>:<项目批准号>``.
* ``paper`` (论文): ``id`` — 论文编号; ``title`` * — 论文题目; ``authors`` 作者 (the printed author
  line); ``affiliations`` 作者单位 (the printed affiliation text; both are split into (person,
  institution) pairs by :mod:`ingest.authors` → Expert ``expert:<姓名>@<单位>``, AUTHORED {position},
  WORKS_AT; authors whose institution the text does not say are not created); ``keywords`` 关键词;
  ``abstract`` 摘要; ``year`` 年份; ``month`` 提交月份 (``2017-05``, gives the year when ``year`` is
  empty); ``clc`` 中图分类号 (each code → IN_FIELD to its ht2016 field through the crosswalk's CLC rules,
  ``basis: 中图分类号`` unless ``fields`` names it too); ``fields`` 技术领域 → IN_FIELD {weight}; ``source`` (default
  ``chinaxiv``). Id: ``id`` as given when it holds a ``:``, else ``<source>:<id>``; without an id
  ``paper:`` + the first 16 hex digits of sha1("<title>|<authors>").

Values:

* lists (keywords, fields, industries, talents): a JSON list, or text separated by ``;`` ``；``
  ``、`` ``|`` or line breaks (not by commas: chemical names contain them).
* field references: a full id (``ht2016:40201``, ``nsfc2020:C0101``), a bare code, or an exact
  name. A bare code or name is looked up in the schemes in this order — demand and
  enterprise: ht2016, nsfc2020, nsfc; expert and project: nsfc2020, nsfc, ht2016 — and two
  matches inside one scheme are an error. A weight follows ``=``: ``40201=0.8；60101=0.2``;
  in JSON also ``{"ht2016:40201": 0.8}`` or ``[{"field": "40201", "weight": 0.8}]``.
  The default weight is 1.
* periods (起止年月): ``2015.05-2016.02``, ``2015-2018``, ``2015年5月至2016年2月``; only the years are
  kept (and not the months, which NSFC's own list sometimes gets wrong, as in ``2019.13``).
* dates: ``2024-03-01``, ``2024/3/1``, ``2024年3月1日``, ``2024-03`` or an Excel date → ``YYYY-MM-DD``
  (or ``YYYY-MM``). Numbers accept thousands separators. Booleans: 是/否, true/false, 1/0.

* ``academician`` (院士, :mod:`ingest.people`): ``academy`` * 院别 (中国科学院 / 中国工程院, also 中科院 / 工程院);
  ``division`` * 学部; ``name`` * 姓名; ``election_year`` 当选年份; ``institution`` 工作单位; ``specialty`` 专业领域;
  ``intro`` 简介; ``source_url`` 来源网址. The layout of ``data/people/academicians-cas-cae-2017/`` is accepted as it is.
* ``nkrd`` (国家重点研发计划项目与课题, :mod:`ingest.people`): ``id`` * 项目编号 (2016YFB0700100);
  ``parent_id`` 所属项目; ``level`` 层级 (项目 / 课题); ``title`` * 项目名称; ``institution`` * 承担单位; ``leader`` 负责人;
  ``programme`` 重点专项 (default 材料基因工程关键技术与支撑平台); ``year`` 立项年份 (default: the id's first four digits);
  ``responsible_expert`` 责任专家 and ``responsible_expert_institution`` 责任专家单位 (kept on the project: the
  programme's supervising experts are not project members). Academician files may also carry ``birth`` 出生日期 and
  ``institution_raw`` 单位原文, which are read and not stored.

* ``hnte`` / ``tsme`` / ``srdi`` (高新技术企业名单 / 科技型中小企业入库名单 / 专精特新名单, :mod:`ingest.registry`, which
  documents the number formats and validity rules): ``name`` 企业名称 and ``credit_code`` 统一社会信用代码 (one of them);
  hnte: ``number`` * 证书编号, ``issued_on`` 发证日期, ``expires_on`` 有效期至, ``authority`` 认定机构; tsme: ``number`` *
  入库登记编号, ``year`` 入库年度, ``registered_on`` 入库日期; srdi: ``level`` * 认定级别, ``year`` * 认定年份,
  ``expires_on`` 有效期至, ``number`` 公告文号. Each row → ``Registration`` HOLDS by its enterprise.
* ``platform`` (服务平台与基地, :mod:`ingest.platforms`): ``id`` 平台编号; ``name`` * 平台名称; ``kind`` * 平台类型
  (one of ``graph.model.PLATFORM_KINDS``: 公共技术服务平台, 创新人才培养示范基地, 中试基地, 检验检测中心, 大型仪器共享平台,
  共性技术研发平台); ``host`` 依托单位 (→ HOSTED_BY the Institution, created when new, as experts' institutions are);
  ``region`` 所在地区 (inferred from the host when not given); ``zone`` 所在园区; ``level`` 平台级别;
  ``services`` * 服务内容 (list); ``equipment`` 主要仪器设备 (list); ``fields`` 技术领域 (→ SERVES_FIELD; when empty,
  linked by the field linker from the name, services, equipment and description, 高新技术领域 only);
  ``description``; ``contact``, ``phone``, ``email``, ``website``, ``source``. Id when not given: ``platform:<平台名称>``.

The demo format (``data/demo/``): files named after their kind, loaded in this order —
``institutions*``, ``enterprises*``, ``experts*``, ``projects*``, ``demands*``, ``graph*`` (generic
format) — with the extensions above; JSON lines with the canonical English keys is the
recommended form. Generated rows carry ``"source": "synthetic"``. For example::

    {"id": "ent:91330106MA27XL0E2X", "name": "杭州示例新材料有限公司", "credit_code": "91330106MA27XL0E2X",
     "region": "330106", "industry": "C3985", "scale": "小型", "high_tech": true,
     "keywords": ["锂电池", "正极材料"], "source": "synthetic"}
    {"id": "demand:00001", "title": "高镍三元正极材料循环寿命提升", "description": "……",
     "enterprise": "ent:91330106MA27XL0E2X", "fields": {"ht2016:40201": 0.8, "ht2016:60101": 0.2},
     "industry": "C3985", "region": "330100", "status": "待对接", "posted": "2024-03-01",
     "budget_wan": 50, "keywords": ["高镍", "循环寿命"], "source": "synthetic"}
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph.errors import Msg

__all__ = [
    "ValueKind",
    "Column",
    "KINDS",
    "FIELD_SCHEME_ORDER",
    "column",
    "header_key",
    "match_headers",
    "convert",
    "split_list",
]


class ValueKind(StrEnum):
    """How a cell is read."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    LIST = "list"
    DATE = "date"
    PERIOD = "period"
    PHONE = "phone"
    EMAIL = "email"
    CREDIT_CODE = "credit_code"
    WEIGHTED = "weighted"  # field references with optional weights


@dataclass(frozen=True)
class Column:
    """One canonical field of a kind: its name, Chinese header, accepted headers and value kind."""

    name: str
    zh: str
    headers: tuple[str, ...] = ()
    kind: ValueKind = ValueKind.TEXT
    required: bool = False

    def accepted(self) -> tuple[str, ...]:
        """Every header that means this field (Chinese first)."""
        return (self.zh, *self.headers, self.name)


V = ValueKind
_CONTACT = (
    Column("contact", "联系人", ("联系人姓名",)),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "联系方式", "tel", "mobile"), V.PHONE),
    Column("email", "电子邮箱", ("邮箱", "电子邮件", "e-mail", "mail"), V.EMAIL),
)
_SOURCE = Column("source", "数据来源", ("来源",))

KINDS: dict[str, tuple[Column, ...]] = {
    "enterprise": (
        Column("id", "企业编号", ("编号", "enterprise_id")),
        Column("name", "企业名称", ("单位名称", "名称", "企业", "company", "enterprise"), required=True),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc"), V.CREDIT_CODE),
        Column("region", "所在地区", ("地区", "所在地", "行政区划", "行政区划代码", "region_code")),
        Column("industry", "所属行业", ("行业", "行业代码", "国民经济行业", "industry_code"), V.LIST),
        Column("address", "详细地址", ("地址", "通讯地址")),
        Column("scale", "企业规模", ("规模",)),
        Column("established", "成立日期", ("成立时间", "注册日期"), V.DATE),
        Column("employees", "员工人数", ("职工人数", "从业人数"), V.INT),
        Column("revenue_wan", "营业收入（万元）", ("营业收入", "年营业收入（万元）", "年营业收入"), V.FLOAT),
        Column("high_tech", "是否高新技术企业", ("高新技术企业", "高企"), V.BOOL),
        Column("description", "企业简介", ("简介", "企业介绍", "主营业务")),
        Column("keywords", "关键词", ("主营产品", "产品关键词"), V.LIST),
        *_CONTACT,
        Column("website", "网址", ("网站", "官网", "url")),
        _SOURCE,
    ),
    "demand": (
        Column("id", "需求编号", ("编号", "demand_id")),
        Column("title", "需求标题", ("需求名称", "标题", "名称"), required=True),
        Column("description", "需求描述", ("需求内容", "需求详情", "描述", "技术难题描述")),
        Column("enterprise", "需求企业", ("发布企业", "企业名称", "企业", "企业编号", "enterprise_id")),
        Column("fields", "技术领域", ("所属领域", "领域", "需求领域", "field"), V.WEIGHTED),
        Column("industry", "所属行业", ("行业", "行业代码", "industry_code"), V.LIST),
        Column("region", "所在地区", ("地区", "所在地", "region_code")),
        Column("status", "需求状态", ("状态",)),
        Column("posted", "发布日期", ("发布时间", "提交日期", "posted_date", "date"), V.DATE),
        Column("deadline", "截止日期", ("截止时间",), V.DATE),
        Column("budget_wan", "预算（万元）", ("预算", "拟投入资金（万元）", "拟投入资金", "budget"), V.FLOAT),
        Column("keywords", "关键词", (), V.LIST),
        *_CONTACT,
        _SOURCE,
    ),
    "expert": (
        Column("id", "专家编号", ("编号", "expert_id")),
        Column("name", "专家姓名", ("姓名", "专家", "负责人", "pi_name"), required=True),
        Column("institution", "工作单位", ("所在单位", "单位", "依托单位", "单位名称", "affiliation")),
        Column("title", "职称", ("专业技术职称",)),
        Column("position", "职务", ()),
        Column("degree", "学历", ("学位", "最高学历")),
        Column("gender", "性别", ("sex",)),
        Column("birth_year", "出生年份", ("出生年",), V.INT),
        Column("keywords", "研究方向", ("关键词", "专业特长", "研究领域关键词"), V.LIST),
        Column("fields", "技术领域", ("学科领域", "学科代码", "申请代码", "领域"), V.WEIGHTED),
        Column("talents", "人才称号", ("人才计划", "荣誉称号"), V.LIST),
        Column("bio", "个人简介", ("简介", "专家简介")),
        *_CONTACT,
        _SOURCE,
    ),
    "institution": (
        Column("id", "机构编号", ("编号", "institution_id")),
        Column("name", "机构名称", ("单位名称", "名称", "依托单位", "institution"), required=True),
        Column("type", "机构类型", ("单位类型", "单位性质", "类型")),
        Column("region", "所在地区", ("地区", "所在地", "省份", "region_code")),
        Column("lat", "纬度", ("latitude",), V.FLOAT),
        Column("lon", "经度", ("lng", "longitude"), V.FLOAT),
        Column("credit_code", "统一社会信用代码", ("信用代码",), V.CREDIT_CODE),
        Column("address", "详细地址", ("地址",)),
        Column("website", "网址", ("网站", "url")),
        _SOURCE,
    ),
    "project": (
        Column("id", "编号", ("project_id",)),
        Column("approval_no", "项目批准号", ("批准号", "项目编号", "资助编号")),
        Column("title", "项目名称", ("项目标题", "名称", "题目"), required=True),
        Column("fund_type", "项目类别", ("资助类别", "项目类型", "类别")),
        Column("institution", "依托单位", ("承担单位", "单位", "单位名称")),
        Column("pi", "负责人", ("项目负责人", "主持人", "pi_name")),
        Column("amount_wan", "金额（万元）", ("金额", "资助金额", "资助金额（万元）", "批准金额", "funding_wan_yuan"),
               V.FLOAT),
        Column("period", "起止年月", ("执行期限", "起止时间", "研究期限"), V.PERIOD),
        Column("approval_year", "批准年份", ("批准年度", "立项年份"), V.INT),
        Column("start_year", "开始年份", (), V.INT),
        Column("end_year", "结束年份", ("结题年份", "结题年度"), V.INT),
        Column("keywords", "关键词", ("中文关键词", "项目关键词"), V.LIST),
        Column("fields", "申请代码", ("学科代码", "技术领域", "application_code", "field"), V.WEIGHTED),
        Column("rating", "总评", ("结题评价", "评价"), ),
        Column("abstract", "摘要", ("项目摘要", "中文摘要")),
        _SOURCE,
    ),
    "academician": (
        Column("academy", "院别", ("所属院", "学院", "academy"), required=True),
        Column("division", "学部", ("所属学部", "division"), required=True),
        Column("name", "姓名", ("院士姓名", "name"), required=True),
        Column("election_year", "当选年份", ("当选年度", "当选时间", "election_year"), V.INT),
        Column("institution", "工作单位", ("所在单位", "单位", "institution")),
        Column("specialty", "专业领域", ("专长", "研究领域", "specialty")),
        Column("intro", "简介", ("个人简介", "intro")),
        Column("source_url", "来源网址", ("网址", "链接", "source_url")),
        # read but not stored: the birth date is not needed, the raw clause only documents the extraction
        Column("birth", "出生日期", ("出生年月", "birth")),
        Column("institution_raw", "单位原文", ("institution_raw",)),
        _SOURCE,
    ),
    "nkrd": (
        Column("id", "项目编号", ("课题编号", "编号", "id"), required=True),
        Column("parent_id", "所属项目", ("上级项目编号", "parent_id")),
        Column("level", "层级", ("级别", "level")),
        Column("title", "项目名称", ("课题名称", "名称", "title"), required=True),
        Column("institution", "承担单位", ("课题承担单位", "牵头单位", "institution"), required=True),
        Column("leader", "负责人", ("项目负责人", "课题负责人", "leader")),
        Column("programme", "重点专项", ("专项", "计划", "programme")),
        Column("year", "立项年份", ("年份", "年度", "year"), V.INT),
        Column("responsible_expert", "责任专家", ("responsible_expert",)),
        Column("responsible_expert_institution", "责任专家单位", ("responsible_expert_institution",)),
        _SOURCE,
    ),
    "paper": (
        Column("id", "论文编号", ("编号", "paper_id")),
        Column("title", "论文题目", ("题目", "标题", "论文标题", "篇名"), required=True),
        Column("authors", "作者", ("作者列表", "author_line", "author")),
        Column("affiliations", "作者单位", ("单位", "机构", "affiliation", "作者机构")),
        Column("keywords", "关键词", ("中文关键词",), V.LIST),
        Column("abstract", "摘要", ("中文摘要",)),
        Column("year", "年份", ("发表年份", "出版年份"), V.INT),
        Column("month", "提交月份", ("月份",)),
        Column("clc", "中图分类号", ("分类号",)),
        Column("fields", "技术领域", ("领域", "field"), V.WEIGHTED),
        _SOURCE,
    ),
}

# -- enterprise registry lists (issue 16; rules and formats in ingest/registry.py) --------------------------
_REG_ENTERPRISE = (
    Column("row_no", "序号", ("排序", "no")),  # read, not stored: an office list's running number
    Column("name", "企业名称", ("单位名称", "名称", "企业", "company", "enterprise_name")),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "uscc", "credit_code"), V.CREDIT_CODE),
)
KINDS.update({
    "hnte": (  # 高新技术企业名单 (认定/备案公示名单 with certificate numbers)
        *_REG_ENTERPRISE,
        Column("number", "证书编号", ("高新技术企业证书编号", "高企证书编号", "certificate_no", "cert_no"), required=True),
        Column("issued_on", "发证日期", ("发证时间", "认定日期", "发证年月", "issue_date"), V.DATE),
        Column("expires_on", "有效期至", ("有效期", "到期日期", "有效截止日期", "expiry_date"), V.DATE),
        Column("authority", "认定机构", ("认定管理机构", "发证机关", "batch", "批次")),
        _SOURCE,
    ),
    "tsme": (  # 科技型中小企业入库名单 (入库登记编号)
        *_REG_ENTERPRISE,
        Column("number", "入库登记编号", ("登记编号", "入库编号", "registration_no", "reg_no"), required=True),
        Column("year", "入库年度", ("年度", "评价年度", "入库年份", "year"), V.INT),
        Column("registered_on", "入库日期", ("入库时间", "公示日期", "date"), V.DATE),
        _SOURCE,
    ),
    "srdi": (  # 专精特新企业名单 (创新型中小企业 / 专精特新中小企业 / 专精特新"小巨人"企业)
        *_REG_ENTERPRISE,
        Column("level", "认定级别", ("级别", "类别", "企业类别", "level"), required=True),
        Column("year", "认定年份", ("认定年度", "年度", "批次年份", "year"), V.INT),
        Column("expires_on", "有效期至", ("有效期", "到期日期", "expiry_date"), V.DATE),
        Column("number", "公告文号", ("文号", "证书编号", "number")),
        _SOURCE,
    ),
})
# -- issue 16, platforms (ingest/platforms.py): the platform list an office keeps
KINDS["platform"] = (
    Column("id", "平台编号", ("编号", "platform_id")),
    Column("name", "平台名称", ("基地名称", "名称", "平台", "platform", "platform_name"), required=True),
    Column("kind", "平台类型", ("类型", "平台类别", "基地类型", "platform_kind", "type"), required=True),
    Column("host", "依托单位", ("依托机构", "承建单位", "建设单位", "host", "host_institution")),
    Column("region", "所在地区", ("地区", "所在地", "region_code")),
    Column("zone", "所在园区", ("高新区", "所在高新区", "园区", "park")),
    Column("level", "平台级别", ("级别", "认定级别", "level")),
    Column("services", "服务内容", ("服务项目", "提供服务", "服务", "services"), V.LIST, required=True),
    Column("equipment", "主要仪器设备", ("主要设备", "仪器设备", "设备清单", "大型仪器", "equipment"), V.LIST),
    Column("fields", "技术领域", ("服务领域", "领域", "fields"), V.WEIGHTED),
    Column("description", "平台简介", ("简介", "平台介绍", "description")),
    *_CONTACT,
    Column("website", "网址", ("网站", "url")),
    _SOURCE,
)
del V

FIELD_SCHEME_ORDER: dict[str, tuple[str, ...]] = {
    "enterprise": ("ht2016", "nsfc2020", "nsfc"),
    "demand": ("ht2016", "nsfc2020", "nsfc"),
    "expert": ("nsfc2020", "nsfc", "ht2016"),
    "project": ("nsfc2020", "nsfc", "ht2016"),
    "paper": ("ht2016", "nsfc", "nsfc2020"),
    "institution": ("ht2016", "nsfc2020", "nsfc"),
    "academician": ("ht2016", "nsfc", "nsfc2020"),
    "nkrd": ("ht2016", "nsfc", "nsfc2020"),
    "hnte": ("ht2016", "nsfc2020", "nsfc"),
    "tsme": ("ht2016", "nsfc2020", "nsfc"),
    "srdi": ("ht2016", "nsfc2020", "nsfc"),
    "platform": ("ht2016", "nsfc2020", "nsfc"),
}
"""Where a bare field code or name is looked up first, per kind."""


def column(kind: str, name: str) -> Column:
    """The column ``name`` of ``kind`` (KeyError when there is none)."""
    for col in KINDS[kind]:
        if col.name == name:
            return col
    raise KeyError(f"{kind}.{name}")


def header_key(header: str) -> str:
    """A header as compared: NFKC (full-width → half-width), lower case, no spaces, no ``*`` or ``_``.

    >>> header_key(" 金额（万元）* ") == header_key("金额(万元)")
    True
    >>> header_key("Approval_No")
    'approvalno'
    """
    folded = unicodedata.normalize("NFKC", str(header)).lower()
    return re.sub(r"[\s*_\-]", "", folded)


@functools.cache
def _lookup(kind: str) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for col in KINDS[kind]:
        for accepted in col.accepted():
            lookup.setdefault(header_key(accepted), col)
    return lookup


@functools.cache
def _key(header: str) -> str:
    return header_key(header)


def match_headers(kind: str, headers: Iterable[str]) -> tuple[dict[str, Column], list[str]]:
    """Map each header of a file to its column of ``kind``; also the headers nothing matched."""
    lookup = _lookup(kind)
    matched: dict[str, Column] = {}
    unknown: list[str] = []
    for header in headers:
        column = lookup.get(_key(header))
        if column is None:
            unknown.append(header)
        else:
            matched[header] = column
    return matched, unknown


_LIST_SEP = re.compile(r"[;；、|\n]+")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PHONE = re.compile(r"^\+?[\d\s()（）\-]{7,24}(\s*(转|ext\.?|x)\s*\d{1,6})?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_CREDIT = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
_PERIOD = re.compile(r"^(\d{4})(?:[.\-/年](\d{1,2})月?)?\s*(?:-|~|～|—|至|到)\s*(\d{4})(?:[.\-/年](\d{1,2})月?)?$")


def split_list(value: Any) -> list[str]:
    """A list cell as its items: JSON lists pass, text splits on ; ； 、 | and line breaks.

    >>> split_list("古菌； 功能演化；DNA修复")
    ['古菌', '功能演化', 'DNA修复']
    """
    if isinstance(value, (list, tuple)):
        items = [_as_text(v) for v in value]
    else:
        items = _LIST_SEP.split(_as_text(value))
    return [i.strip() for i in items if i and i.strip()]


def _as_text(value: Any) -> str:
    """A cell as text; integral floats from Excel lose their ``.0``."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any, expected: str) -> float:
    if isinstance(value, bool):
        raise ValueError(Msg.BAD_TYPE.format(expected=expected, value=value))
    if isinstance(value, (int, float)):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").strip()
    if not _NUMBER.match(text):
        raise ValueError(Msg.BAD_TYPE.format(expected=expected, value=value))
    return float(text)


def _date(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    text = unicodedata.normalize("NFKC", _as_text(value))
    if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text):  # an Excel date-time: keep the date
        text = text[:10]
    match = _DATE.match(text)
    if not match:
        raise ValueError(Msg.BAD_TYPE.format(expected="日期（如 2024-03-01）", value=value))
    year, month, day = int(match[1]), int(match[2]), int(match[3]) if match[3] else None
    try:
        datetime.date(year, month, day or 1)
    except ValueError:
        raise ValueError(Msg.BAD_TYPE.format(expected="日期（如 2024-03-01）", value=value)) from None
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


def _period(value: Any) -> tuple[int, int]:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _as_text(value)))
    match = _PERIOD.match(text)
    if not match or int(match[1]) > int(match[3]):
        raise ValueError(Msg.BAD_TYPE.format(expected="起止年月（如 2015.05-2016.02）", value=value))
    # Only the years are kept, so months are not checked: NSFC's own list has "2015.01-2019.13".
    return int(match[1]), int(match[3])


def _weighted(value: Any) -> list[tuple[str, float]]:
    """Field references with weights, from text ``a=0.8；b``, a list, or a mapping."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, Mapping):
                ref = next((item[k] for k in ("field", "id", "code", "name") if item.get(k)), "")
                pairs.append((ref, item.get("weight", 1.0)))
            else:
                pairs.extend(_weighted(item))
    else:
        for item in split_list(value):
            ref, sep, weight = item.rpartition("=")
            pairs.append((ref, weight) if sep else (item, 1.0))
    out: list[tuple[str, float]] = []
    for ref, weight in pairs:
        try:
            w = _number(weight, "数字")
        except ValueError:
            raise ValueError(Msg.BAD_WEIGHT.format(value=weight)) from None
        if not 0 < w <= 1:
            raise ValueError(Msg.BAD_WEIGHT.format(value=weight))
        if _as_text(ref):
            out.append((_as_text(ref), w))
    return out


def convert(column: Column, value: Any) -> Any:
    """A cell as the value of ``column``; ``None`` when empty.

    Raises:
        ValueError: the cell is not a value of the column's kind (Chinese reason).

    >>> convert(column("project", "amount_wan"), "1,059.5")
    1059.5
    >>> convert(column("project", "period"), "2015.05-2016.02")
    (2015, 2016)
    >>> convert(column("demand", "fields"), "40201=0.8；60101")
    [('40201', 0.8), ('60101', 1.0)]
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = column.kind
    if kind is ValueKind.TEXT:
        if isinstance(value, (dict, list, bool)):  # JSON true is not the text 是
            raise ValueError(Msg.BAD_TYPE.format(expected="文本", value=value))
        return _as_text(value)
    if kind is ValueKind.INT:
        number = _number(value, "整数")
        if not number.is_integer():
            raise ValueError(Msg.BAD_TYPE.format(expected="整数", value=value))
        return int(number)
    if kind is ValueKind.FLOAT:
        return _number(value, "数字")
    if kind is ValueKind.BOOL:
        text = _as_text(value).lower()
        if text in ("是", "true", "1", "yes", "y", "有"):
            return True
        if text in ("否", "false", "0", "no", "n", "无"):
            return False
        raise ValueError(Msg.BAD_TYPE.format(expected="是/否", value=value))
    if kind is ValueKind.LIST:
        return split_list(value) or None
    if kind is ValueKind.DATE:
        return _date(value)
    if kind is ValueKind.PERIOD:
        return _period(value)
    if kind is ValueKind.WEIGHTED:
        return _weighted(value) or None
    text = _as_text(value)
    if kind is ValueKind.PHONE and not _PHONE.match(text):
        raise ValueError(Msg.BAD_VALUE.format(value=value, hint="（应为电话号码，如 0571-88888888 或 13800000000）"))
    if kind is ValueKind.EMAIL and not _EMAIL.match(text):
        raise ValueError(Msg.BAD_VALUE.format(value=value, hint="（应为电子邮箱，如 name@example.com）"))
    if kind is ValueKind.CREDIT_CODE:
        text = text.upper()
        if not _CREDIT.match(text):
            raise ValueError(Msg.BAD_VALUE.format(value=value, hint="（统一社会信用代码应为 18 位数字或大写字母）"))
    return text
