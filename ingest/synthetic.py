"""Synthetic enterprises and technology demands for the demo, grounded in real NSFC projects.

There is no public dataset of enterprise technology demands, so the demo's enterprises
and demands are generated here, deterministically from a seed, and every row carries
``"source": "synthetic"``. The rows are in the import format of :mod:`ingest.mapping`
(JSON lines with the canonical English keys), so ``kgmatch load demo`` reads them with
the ordinary importers. What is real:

* each demand is seeded by one real NSFC project of ``data/nsfc/`` whose title or
  keywords name the topic's problems. Life sciences: the project's application code is
  the demand's main field (``nsfc2020:<code>``) and 2–3 of its keywords are the demand's
  keywords and wording. Management science (no codes in the data): the pre-2020 code of
  the topic (``nsfc:G0212``…) plus ``nsfc:G``, and the topic terms the title contains;
* a secondary ht2016 field (国家重点支持的高新技术领域) and the GB/T 4754-2011 industry are
  chosen per topic so that they match the problem;
* regions are GB/T 2260 cities, drawn in proportion to where the NSFC projects'
  institutions are (the shipped universities list, else a place name inside the
  institution's name), with a bias per topic (aquaculture on the coast…).

What is fictitious: enterprise names (地名 + 字号 + 行业词 + 有限公司), unified social credit
codes (well-formed with GB 32100 / GB 11714 check characters, but invented), contacts
(a surname and a title, no phone or e-mail), sizes, revenues, budgets, dates and
statuses. Sentences come from the templates below; no project title is copied.

``python -m ingest.synthetic`` rewrites ``data/demo/enterprises.jsonl``,
``data/demo/demands.jsonl`` and ``data/demo/SOURCE.md``; one seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import json
import logging
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.resolve import DATA_ROOT, UNIVERSITIES_FILE, normalize_org, province_short

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_ENTERPRISES",
    "DEFAULT_DEMANDS",
    "OUT_DIR",
    "STATUSES",
    "generate",
    "write_demo",
    "credit_code",
    "credit_code_ok",
    "main",
]

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261127
DEFAULT_ENTERPRISES = 150
DEFAULT_DEMANDS = 400
OUT_DIR = DATA_ROOT / "demo"
STATUSES = ("待对接", "对接中", "已解决")
"""Demand statuses the generator uses (the importer's default is 待对接)."""

_C_FILE = DATA_ROOT / "nsfc" / "nsfc_C_projects.csv"
_G_FILE = DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv"
_REGIONS_FILE = DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json"
_SOURCE = "synthetic"
_FIRST_DAY, _LAST_DAY = datetime.date(2024, 1, 1), datetime.date(2026, 10, 31)
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


# -- topics ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Industry:
    """Who has a topic's problems: an industry, how such an enterprise is named and described."""

    code: str  # GB/T 4754-2011, with its section letter
    word: str  # 行业词 of the enterprise name
    business: str
    products: str
    focus: tuple[str, ...]  # terms of the projects that suit this industry best (empty: any on-topic project)
    angles: tuple[int, ...]  # 1-based angles of the topic this industry has (empty: all)


@dataclass(frozen=True)
class _Angle:
    """One coherent problem of a topic: the sentences of a demand that takes it all agree."""

    stage: str
    problem: str
    work: str
    goal: str
    tail: str  # a title ending


@dataclass(frozen=True)
class _Topic:
    """One kind of problem: which projects seed it, who has it, and how it is worded."""

    side: str  # "C": life-science project codes; "G": management-science titles
    codes: tuple[str, ...]  # C: application-code prefixes; G: pre-2020 nsfc codes (first = main)
    triggers: tuple[str, ...]  # a project is on topic when its title or keywords contain one
    industries: tuple[_Industry, ...]
    angles: tuple[_Angle, ...]
    ht: tuple[str, ...]  # ht2016 codes of the secondary field
    resources: tuple[str, ...]
    weight: float = 1.0  # share of enterprises
    provinces: tuple[str, ...] = ()  # short names of provinces where this business is common
    excludes: tuple[str, ...] = ()  # a project whose title contains one is off topic


def _topic(side: str, codes: str, triggers: str, industries: str, angles: str, ht: str, resources: str,
           weight: float = 1.0, provinces: str = "", excludes: str = "") -> _Topic:
    """A topic from text: lists are ``|``-separated; industries and angles are one per line, as
    ``code:行业词:business:products:focus/terms:angle digits`` and ``stage|problem|work|goal|tail``."""
    def items(text: str, sep: str = "|") -> tuple[str, ...]:
        return tuple(s.strip() for s in text.split(sep) if s.strip())

    def lines(text: str) -> list[str]:
        return [line.strip() for line in text.strip().splitlines() if line.strip()]

    def industry(line: str) -> _Industry:
        code, word, business, products, focus, picks = line.split(":")
        return _Industry(code, word, business, products, items(focus, "/"), tuple(int(c) for c in picks))

    return _Topic(side, items(codes), items(triggers), tuple(industry(line) for line in lines(industries)),
                  tuple(_Angle(*items(line)) for line in lines(angles)), items(ht), items(resources), weight,
                  items(provinces), items(excludes))


_TOPICS: tuple[_Topic, ...] = (
    _topic("C", "C01|C05",
           "发酵|酶|菌株|生物合成|代谢工程|合成生物|产量|酵母|乳酸菌|链霉菌|放线菌|芽孢杆菌|曲霉|抗生素|次级代谢|催化|纤维素|木质素", """
           C1469:生物发酵:调味品及发酵制品的研发与生产:氨基酸、酵母抽提物和复合调味料:氨基酸/谷氨酸/酵母/发酵/风味:
           C1495:生物科技:食品及饲料添加剂的研发与生产:饲用酶制剂和发酵饲料添加剂:酶/植酸酶/木聚糖/饲料/益生/芽孢杆菌:
           C2760:生物制药:发酵类原料药的研发与生产:发酵类原料药和医药中间体:抗生素/链霉菌/次级代谢/生物合成/放线菌:1235
           C2661:酶制剂:工业酶制剂的研发与生产:纤维素酶、脂肪酶和蛋白酶制剂:酶/纤维素/脂肪酶/蛋白酶/催化:1245
           C1513:酿酒:啤酒的酿造与销售:精酿啤酒和麦芽饮料:酵母/发酵/风味/麦芽:123""", """
           菌种选育|生产菌株产量偏低、传代后性能退化明显|高产菌株选育与遗传稳定性研究|将目标产物发酵单位提高30%以上|高产菌株选育
           发酵工艺放大|小试工艺放大后溶氧不足、产率明显下降|发酵放大规律与过程控制策略研究|形成一套可稳定放大到10吨罐的发酵工艺|发酵工艺优化
           代谢途径改造|关键代谢途径不清楚、副产物多且难以定向改造|代谢途径解析与菌株理性改造|使副产物比例降低一半以上|生物合成途径优化
           酶制剂稳定性提升|酶制剂在高温和酸性条件下失活快|关键酶的分子改造与表达体系构建|使酶制剂在60 ℃下的半衰期延长一倍|关键酶改造与应用
           下游分离纯化|发酵液成分复杂、提取收率低且成本高|分离纯化工艺开发与成本核算|将产品提取收率提高到85%以上|分离纯化工艺开发""",
           "20601|20602|20603", "50升至10吨的发酵罐组|中试车间和理化检测实验室|菌种库和多年发酵生产数据", 1.2),
    _topic("C", "C01|C03|C0508",
           "降解|污染|修复|重金属|废水|污水|镉|砷|抗生素抗性|脱氮|除磷|氮循环|富营养化|微塑料|石油|有机污染物|生物膜|反硝化", """
           N7721:环保科技:工业废水和市政污水处理:污水处理工程、运营服务和微生物菌剂:废水/污水/降解/脱氮/除磷/反硝化/生物膜/氨氧化:123
           N7729:环境科技:土壤及地下水污染治理:污染场地修复和农田土壤治理:土壤/重金属/镉/砷/修复/石油:345
           C2625:生物肥业:微生物肥料和土壤调理剂的研发与生产:微生物菌剂和生物有机肥:土壤/根际/促生/菌剂/固氮/修复:34
           C2665:环保材料:环境污染处理药剂的研发与生产:生物除臭剂和水处理菌剂:降解/除臭/废水/生物膜:123""", """
           生化处理|难降解有机物去除率低、出水COD波动大|高效降解菌筛选与复合菌剂构建|将难降解有机物去除率提高到85%以上|污染物生物降解技术
           脱氮除磷|低温季节脱氮除磷效果明显下降|耐冷功能菌群构建与工艺优化研究|使出水在冬季也能稳定达到一级A排放标准|脱氮除磷工艺优化
           功能菌剂开发|功能菌在实际环境中定殖难、效果不稳定|微生物群落调控与菌剂定殖研究|使菌剂货架期达到12个月以上并保持稳定效果|功能菌剂开发
           污染土壤修复|重金属污染农田修复周期长、成本高|污染物迁移转化规律与生物修复技术研究|将修复周期缩短三分之一以上|生物修复技术研究
           修复效果评估|缺少快速可靠的修复效果评价方法|修复效果评估方法与指标体系研究|形成可复制推广的修复效果评估规程|修复效果评估方法""",
           "70102|70101|20705|70305", "在运行的污水处理站及其监测数据|多个在建修复项目现场|菌剂生产线和检测实验室"),
    _topic("C", "C02|C06",
           "水稻|小麦|玉米|大豆|棉花|油菜|番茄|黄瓜|辣椒|马铃薯|谷子|高粱|花生|产量|株型|籽粒|抗旱|耐盐|抗逆|开花|品质|氮利用|育种|杂种优势|分蘖", """
           A0111:农业科技:优质水稻品种选育与种植:杂交水稻种子和优质稻米:水稻/稻:
           A0113:种业:玉米新品种选育与制种:杂交玉米种子:玉米:
           F5112:种业:农作物种子研发、繁育与销售:水稻种子、小麦种子和蔬菜种子:水稻/小麦/玉米/蔬菜/番茄/种子:
           A0141:现代农业:设施蔬菜品种引育与种植:蔬菜种苗和设施番茄:番茄/黄瓜/辣椒/蔬菜/果实:
           M7511:农业科技:农业技术推广与种植服务:良种推广和标准化种植服务:产量/抗逆/氮利用/栽培/抗旱/耐盐:145""", """
           新品种选育|现有主推品种抗病抗逆性不足、产量不稳定|抗逆高产新品种选育|选育出1至2个适宜本地推广的新品系|新品种选育
           种质资源创新|优异种质资源匮乏、遗传基础狭窄|种质资源精准鉴定与创新利用|创制10份以上可直接用于育种的优异种质|优异种质创制
           分子标记辅助选择|缺少可用于育种的关键基因和分子标记、选育效率低|优异基因挖掘与分子标记开发|建立一套高通量的分子标记辅助选择体系|分子标记辅助育种
           抗逆栽培|盐碱地和干旱地块种植表现差|作物抗逆生理与配套栽培技术研究|在盐碱地块实现增产10%以上|抗逆性状改良
           品质改良|产品品质指标不稳定、优质不优价|品质性状遗传解析与改良研究|使主要品质指标达到国家优质标准|品质性状改良""",
           "20701", "200亩试验基地和育种材料|多年多点的品种试验数据|分子检测实验室", 1.0,
           "黑龙江|吉林|河南|山东|安徽|湖南|湖北|江苏|四川|河北"),
    _topic("C", "C01|C02|C04|C05",
           "病原|病害|病菌|害虫|抗病|稻瘟|疫霉|镰刀菌|灰霉|白粉|锈病|青枯|根结线虫|蚜虫|飞虱|夜蛾|粉虱|蓟马|拮抗|生防|效应子|植物免疫|杀虫|杀菌", """
           C2632:生物农药:生物农药和微生物农药的研发与生产:苏云金杆菌制剂、木霉菌剂和植物源农药:生防/拮抗/杀虫/苏云金/木霉/昆虫病原/害虫:1245
           C2625:生物科技:生防菌剂和功能肥料的研发与生产:生防微生物菌剂和抗病生物有机肥:生防/拮抗/根际/枯萎/青枯:125
           M7511:植保科技:农作物病虫害统防统治服务:病虫害监测预警和飞防服务:害虫/飞虱/蚜虫/夜蛾/抗药/病害:1345
           A0521:林业科技:林业有害生物防治服务:林业病虫害监测和综合防治服务:松/林木/森林/天牛/小蠹/松材线虫:1235""", """
           病害绿色防控|主要病害发生逐年加重、化学药剂防效下降|病原致病机理与防控靶标研究|将田间防效稳定在75%以上|病害绿色防控技术
           生防菌株筛选|生防菌剂田间防效不稳定、持效期短|高效生防菌株筛选与制剂研制|研制出田间防效稳定的生防菌剂1至2个|生防菌剂研制
           病原快速检测|病原菌早期识别困难、错过最佳防治时机|病虫害早期快速检测技术开发|建立田间2小时内出结果的快速检测方法|病害快速检测方法
           抗药性治理|害虫对常用药剂产生明显抗药性|害虫抗药性监测与治理技术研究|使化学农药使用量减少30%|抗药性治理
           综合防控示范|单一防控措施效果有限、缺乏系统方案|病虫害生态调控与综合防控技术集成|形成一套绿色防控技术规程并完成示范|综合防控技术集成""",
           "20703", "制剂中试生产线|覆盖多个县的田间试验网络|病虫害监测站点和历年数据", 0.8),
    _topic("C", "C04|C01|C08|C05",
           "猪|鸡|奶牛|肉牛|绵羊|山羊|鸭|鹅|家禽|畜禽|禽流感|猪瘟|伪狂犬|新城疫|沙门氏菌|大肠杆菌|支原体|球虫|繁殖|肌内脂肪|产蛋|泌乳|生长性能", """
           A0313:牧业:生猪规模化养殖:商品猪和种猪:猪:1345
           A0321:禽业:蛋鸡和肉鸡规模化养殖:鲜鸡蛋和白羽肉鸡:鸡/禽/产蛋:1345
           A0311:牧业:奶牛和肉牛养殖:生鲜乳和育肥牛:牛/奶/泌乳/反刍/瘤胃:1345
           C2750:动物药业:兽用生物制品和兽药的研发与生产:兽用疫苗和诊断试剂:病毒/疫苗/抗原/细菌/耐药:125
           C1320:饲料:畜禽配合饲料的研发与生产:猪禽配合饲料和预混料:营养/饲料/肠道/生长性能:4""", """
           疫病防控|场内疫病反复发生、常规疫苗免疫效果不理想|主要疫病病原学与免疫防控技术研究|使主要疫病发病率降低50%以上|疫病综合防控技术
           疫苗研发|流行毒株变异快、现有疫苗保护力下降|新型疫苗与诊断试剂研制|研制出具有自主知识产权的候选疫苗株|新型疫苗研制
           种畜禽选育|母畜繁殖效率低、生长性能不突出|优质高效种畜禽选育与遗传评估|将仔畜成活率提高5个百分点以上|种畜禽遗传改良
           饲料配方优化|饲料转化率偏低、养殖成本居高不下|精准营养与饲料配方优化研究|使饲料转化率提高8%左右|精准营养调控技术
           病原快速诊断|缺少现场可用的病原快速鉴别手段|病原快速检测与鉴别技术研究|建立现场30分钟出结果的病原鉴别方法|病原快速诊断方法""",
           "20702|20703", "存栏万头以上的养殖场|兽医诊断实验室|饲料中试车间和养殖试验数据", 0.9,
           "河南|山东|四川|湖南|河北|内蒙古|广东|广西|辽宁", "猪苓|羊肚菌|鸡枞"),
    _topic("C", "C04|C03|C01|C05|C08",
           "鱼|虾|蟹|牡蛎|扇贝|海参|鲍|水产|养殖|鲤|草鱼|罗非|石斑|大黄鱼|对虾|刺参|贝类", """
           A0411:水产:海水鱼虾贝类养殖:大黄鱼、对虾和牡蛎:对虾/牡蛎/大黄鱼/海水/扇贝/海参/鲍:
           A0412:渔业:淡水鱼类和虾蟹养殖:草鱼、鲈鱼和小龙虾:草鱼/鲤/鲫/淡水/罗非/小龙虾/蟹:
           C1363:水产饲料:水产配合饲料的研发与生产:鱼虾配合饲料和开口饲料:营养/饲料/生长:43
           A0540:水产科技:水产苗种繁育与养殖技术服务:鱼虾苗种和养殖技术服务:苗种/繁育/病害/养殖:1235""", """
           苗种繁育|苗种成活率低、生长速度不一|良种选育与苗种繁育技术研究|将苗种成活率提高到60%以上|苗种繁育技术
           病害防控|养殖中后期病害频发、死亡率高|主要病害病原鉴定与生态防控研究|使养殖死亡率降低一半|病害生态防控
           养殖水质调控|高密度养殖水质恶化快、调控手段有限|养殖水体微生态调控技术研究|形成可推广的健康养殖技术模式|健康养殖模式
           饲料营养|鱼粉替代后生长性能明显下降|新型蛋白源替代与饲料配方优化|在鱼粉用量减少30%的情况下保持生长性能|饲料蛋白源替代
           良种选育|优良品种缺乏、种质退化明显|种质资源评价与遗传改良研究|培育出生长速度提高15%以上的新品系|良种选育""",
           "20702", "近千亩养殖池塘和育苗车间|水质在线监测系统和历年养殖记录|饲料加工中试线", 0.7,
           "山东|福建|广东|浙江|辽宁|江苏|海南|广西|湖北", "斑马鱼|青鳉|鱼藤"),
    _topic("C", "C02|C05|C01",
           "药用|中药|人参|丹参|黄芪|甘草|三七|石斛|灵芝|金银花|黄芩|萜|黄酮|皂苷|生物碱|青蒿|紫杉|天然产物|活性成分|次生代谢|药材|道地", """
           A0170:中药材:道地中药材规范化种植:人参、三七和石斛:人参/三七/石斛/丹参/黄芪/药用植物/连作:134
           C2730:药业:中药饮片的加工与销售:中药饮片和配方颗粒:药材/中药/品质/黄酮/皂苷:23
           C2740:制药:中成药的研发与生产:中成药和植物提取物:活性成分/皂苷/黄酮/生物碱/中药:235
           C2684:生物科技:天然香料和植物提取物的研发与生产:植物精油和天然香料:萜/挥发/精油/香:253""", """
           药材规范化种植|药材有效成分含量偏低且批次差异大|药材品质形成机理与调控技术研究|使有效成分含量提高20%以上|药材品质提升
           有效成分提取|提取工艺收率低、杂质难以去除|提取纯化工艺优化与质量标准研究|将提取收率提高到85%以上|有效成分提取工艺
           质量控制|缺少关键成分的含量测定和溯源方法|药材品质评价与溯源方法研究|建立符合药典要求的质量控制方法|质量控制方法
           连作障碍治理|连作障碍严重、根腐病高发|连作障碍成因与生态种植技术研究|将连作地块产量恢复到正常水平|生态种植技术
           活性成分合成|稀缺活性成分依赖野生资源、供应不稳定|有效成分生物合成途径解析与异源合成研究|打通关键活性成分的生物合成路线|活性成分生物合成""",
           "20201|20105|20604|20204", "规范化种植基地|提取中试车间和质检中心|多年药材批次检测数据", 0.9,
           "云南|吉林|甘肃|四川|贵州|安徽|广西"),
    _topic("C", "C05|C07|C08|C11|C12|C0901|C0902|C0903",
           "靶点|抑制剂|肿瘤|癌|抗体|药物|炎症|纤维化|糖尿病|肥胖|心肌|肝|骨质疏松|阿尔茨海默|帕金森|抑郁|自噬|凋亡|T细胞|巨噬细胞|干细胞|再生|类器官|激酶|耐药|疫苗", """
           C2760:生物医药:创新生物药的研发:单克隆抗体和重组蛋白药物:抗体/蛋白/受体/免疫/T细胞:1234
           C2720:药业:化学创新药和改良型新药的研发与生产:小分子靶向药物和改良型制剂:抑制剂/靶点/激酶/小分子/药物:1234
           M7340:医药科技:临床前药物研究外包服务:药效学评价和药物筛选服务:模型/药效/肿瘤/纤维化/炎症:1234
           M7512:生物技术:细胞治疗与再生医学技术开发:干细胞和免疫细胞制剂:干细胞/再生/类器官/免疫细胞/T细胞:524""", """
           药物靶点验证|候选药物作用靶点不明确、机制研究薄弱|新靶点发现与验证研究|完成1至2个新靶点的功能验证|新靶点发现与验证
           药效学评价|现有动物和细胞模型难以反映临床疗效|疾病模型构建与药效评价研究|建立可用于申报的药效学评价体系|药效学评价体系构建
           先导化合物筛选|先导化合物选择性差、毒副作用较大|候选药物筛选与结构优化研究|获得具有成药性的先导化合物|候选药物筛选
           作用机制研究|耐药现象突出、缺少联合用药依据|药物作用机制与耐药机理研究|为新药临床试验申请提供机制研究数据|作用机制研究
           细胞制剂工艺|细胞制剂体外扩增后功能下降|细胞制备工艺与质量评价研究|使细胞制剂扩增后的功能指标保持在90%以上|细胞制剂工艺研究""",
           "20102|20104|20301", "化合物库和高通量筛选平台|符合GMP要求的中试车间|动物实验平台和细胞培养实验室", 1.3),
    _topic("C", "C10|C05|C06|C08|C01",
           "检测|探针|传感|成像|荧光|纳米|材料|支架|水凝胶|标志物|诊断|芯片|测序|组织工程|生物相容|微流控|适配体|电化学", """
           C3581:医疗科技:体外诊断和医疗检测设备的研发与生产:即时检测设备和荧光定量分析仪:检测/传感/成像/芯片/荧光:125
           C2770:医用材料:医用敷料和生物材料的研发与生产:医用水凝胶敷料和止血材料:水凝胶/材料/伤口/止血/敷料:34
           C3586:生物材料:植入介入类医疗器械的研发与生产:组织修复支架和可吸收植入材料:支架/骨/组织工程/植入/再生:34
           C2661:生物试剂:生化检测试剂的研发与生产:核酸检测试剂盒和荧光探针:探针/荧光/核酸/检测/适配体:1245
           M7450:检测技术:第三方检验检测服务:食品检测、环境检测和生物样品检测:检测/残留/毒素/病原/快速:12""", """
           检测方法开发|现有检测方法灵敏度不足、易出现假阳性|新型生物探针设计与检测方法研究|将检测灵敏度提高一个数量级|新型生物探针研制
           现场快速检测|检测流程繁琐、无法满足现场快速检测需要|快速检测芯片与配套试剂开发|把检测时间缩短到30分钟以内|快速检测方法开发
           材料性能优化|材料植入后降解速度与组织再生不匹配|生物材料结构设计与性能评价研究|使材料降解周期与组织修复周期相匹配|生物材料性能提升
           规模化制备|产品批间一致性差、难以规模化制备|材料规模化制备工艺研究|使批间差异控制在5%以内|规模化制备工艺
           标志物筛选|缺少特异性强的检测标志物|疾病标志物筛选与验证研究|获得2至3个具有应用价值的检测标志物|标志物筛选与验证""",
           "20103|20106|40405|20504", "万级洁净车间和检测实验室|临床合作医院和样本资源|试剂中试生产线"),
    _topic("C", "C01|C05|C11|C06",
           "肠道|菌群|益生菌|乳酸菌|双歧杆菌|营养|膳食|多糖|多肽|抗氧化|肥胖|脂代谢|糖代谢|尿酸|胆固醇|风味|发酵乳|乳|氨基酸|微生物组", """
           C1491:营养食品:营养强化食品和特医食品的研发与生产:蛋白营养粉和特医配方食品:营养/蛋白/氨基酸/代谢/膳食:
           C1492:健康科技:保健食品的研发与生产:益生菌粉、膳食纤维和功能饮品:益生菌/乳酸菌/菌群/多糖/肠道:
           C1440:乳业:乳制品的研发与生产:发酵乳、奶酪和乳饮料:乳酸菌/发酵乳/乳/双歧:1342
           C1524:饮品:植物蛋白饮料的研发与生产:发酵植物蛋白饮料和谷物饮品:发酵/风味/蛋白/多糖:431""", """
           功能菌株筛选|缺少具有自主知识产权的功能菌株|功能菌株筛选与功效评价研究|获得具有自主知识产权的功能菌株2至3株|功能菌株筛选
           功效评价|产品功能宣称缺少扎实的科学依据|功能成分作用机制与人群干预研究|完成保健食品注册所需的功能学评价|功效评价研究
           货架期控制|益生菌在加工和储存过程中活菌数下降快|菌株耐受性提升与包埋工艺研究|使产品货架期内活菌数保持在每克1亿个以上|活菌稳定性提升
           配方开发|产品口感风味不佳、消费者接受度低|产品配方与风味改良研究|使产品感官评分提高15%以上|营养配方优化
           肠道健康评价|肠道菌群调节作用缺乏系统的评价方法|肠道菌群调节作用评价体系构建|建立完整的功效评价数据链|肠道菌群调节产品开发""",
           "20605|20602|50703", "菌种资源库和中试生产线|产品研发中心和感官评价室|多年消费者和产品检测数据"),
    _topic("C", "C02|C03|C06",
           "森林|林木|杨树|杉木|马尾松|竹|桉|植被|草地|荒漠|湿地|生态系统|固碳|碳储量|碳汇|生物多样性|恢复|退化|凋落物|水土保持|红树林", """
           A0211:林业:林木良种选育:杉木良种、杨树良种和桉树苗木:杉木/杨树/桉/松/林木/遗传:12
           A0212:苗木:绿化苗木和经济林苗木培育:绿化苗木和容器苗:生根/繁殖/苗/扦插/组培:12
           A0220:生态林业:造林绿化和生态修复工程:人工造林和退化林修复:植被/恢复/退化/造林/荒漠/水土:2345
           M7462:生态环境:生态监测与评估服务:生态系统调查、碳汇计量和监测服务:碳/生态系统/生物多样性/群落/监测:453""", """
           良种选育|苗木生根难、繁育效率低|良种选育与高效繁育技术研究|使苗木繁育效率提高一倍|良种繁育技术
           造林成活|造林成活率低、林分生长不均|立地条件评价与造林技术研究|将造林成活率提高到90%以上|造林技术优化
           退化林地修复|退化林地植被恢复慢、物种单一|植被群落配置与生态修复模式研究|形成3至5种适合本地的植被配置模式|退化林地生态修复
           碳汇计量|缺少符合地方实际的碳汇计量方法|森林碳汇计量与监测方法研究|建立可用于碳汇交易的计量监测方法|碳汇计量监测方法
           生态监测|生态监测依赖人工、数据时效性差|生态系统监测指标与评估方法研究|建立覆盖主要项目区的生态监测评估体系|生态监测评估""",
           "20701|70503", "千亩苗圃和造林示范区|多个生态修复项目现场|历年森林资源调查数据", 0.6,
           "福建|云南|广西|江西|黑龙江|湖南|浙江|内蒙古"),
    _topic("C", "C0905|C0906|C0907|C0908|C0909|C0910|C0911|C0912|C0913|C0914",
           "认知|情绪|注意|记忆|决策|心理|焦虑|抑郁|儿童|青少年|学习|阅读|疲劳|压力|幸福感|共情|执行功能|信任", """
           I6510:智能科技:心理测评与健康管理软件开发:心理测评平台和情绪管理应用:情绪/焦虑/抑郁/心理健康/压力:1234
           P8294:教育科技:教育辅助与学习评估服务:学习能力测评和个性化辅导系统:儿童/学习/阅读/注意/记忆:134
           L7269:人力资源:人才测评与员工心理服务:人才测评和员工心理援助服务:人格/决策/信任/压力/工作:13
           C3660:汽车电子:汽车电子零部件的研发与生产:驾驶员状态监测和疲劳预警系统:疲劳/注意/驾驶/警觉:24""", """
           测评工具开发|现有测评量表信效度不足、难以本土化使用|本土化测评工具编制与常模建立|形成信效度达标的本土化测评工具|测评工具开发
           状态识别|缺少可靠的生理和行为指标来识别疲劳与情绪状态|认知与情绪状态识别模型研究|使状态识别准确率达到90%以上|情绪与疲劳状态识别
           干预方案设计|干预产品效果缺乏实证检验|干预方案设计与效果评估研究|完成不少于500人的效果验证研究|干预效果评估
           用户研究|用户认知特点把握不准、产品设计依赖经验|用户认知行为实验与交互优化研究|建立可嵌入产品的认知行为模型|用户心理模型构建""",
           "50703|50702", "数万名用户的匿名测评数据|用户实验室和眼动设备|产品试点学校和合作单位", 0.5),
    _topic("G", "G0212|G010303|G010302",
           "供应链|物流|库存|配送|采购|运输|车辆路径|仓储|仓库|逆向物流|闭环供应链|订货|补货|冷链|选址|配送中心|供应商|第三方物流|牛鞭效应", """
           G5430:物流:道路货物运输和仓储配送服务:城市配送、零担运输和仓储管理:运输/配送/车辆路径/物流:2451
           G5990:供应链管理:仓储与供应链综合服务:仓储管理、库存托管和供应链金融:库存/仓储/供应链:134
           G6020:速运:快递与同城配送服务:快递揽收、分拣中转和末端配送:配送/快递/车辆路径/选址:245
           F5212:商贸:连锁超市经营:生鲜食品和日用品:库存/补货/零售/生鲜:135
           C3660:汽车部件:汽车零部件的生产与配套:底盘件、内饰件和电子零部件:采购/供应商/库存/供应链:13""", """
           库存管理|库存周转慢、缺货与积压并存|需求预测与库存补货策略研究|将库存周转天数降低20%以上|库存优化与补货策略
           运输调度|车辆空驶率高、配送成本居高不下|运输调度模型与算法研究|使单车日均配送量提高15%以上|运输调度优化
           采购与供应商管理|供应商交付不稳定、采购周期长|供应商评价与协同机制设计|将订单准时交付率提升到98%以上|供应链协同管理
           仓储作业|仓储作业效率低、旺季爆仓|仓储作业流程优化与仿真|使仓库人均作业效率提高20%|仓储作业流程优化
           配送网络规划|配送网点布局不合理、时效难以保证|配送网络选址与路径优化|使次日达覆盖率提高到95%以上|配送网络规划""",
           "50602", "近三年完整的订单和库存数据|运输管理和仓储管理系统数据|试点仓库和配送线路", 1.3),
    _topic("G", "G0209|G020901|G020902|G0110|G0111",
           "生产|调度|排序|制造|质量|可靠性|维修|维护|运作|流程|工业工程|精益|批量|排产|产能|作业车间|检验|故障|质量管理|生产计划|设备", """
           C3660:汽车部件:汽车零部件的精密制造:制动系统和传动部件::
           C3971:电子:电子元件的研发与生产:片式电感、连接器和电子组件::
           C3841:新能源:锂离子电池的研发与生产:动力电池和储能电池::
           C3544:智能装备:制药与食品专用设备的研发与制造:灌装设备、包装设备和在线检测设备::""", """
           生产计划与排产|多品种小批量订单增多、排产依赖人工经验|生产计划与智能排产模型研究|将订单准时交付率提高到95%以上|智能排产优化
           质量管控|产品一次合格率偏低、质量波动原因难以追溯|质量数据分析与过程控制方法研究|使产品一次合格率提升3个百分点|质量管控体系提升
           设备维护|设备非计划停机频繁、维修成本高|设备可靠性分析与预测性维护策略研究|将设备非计划停机时间减少30%|预测性维护策略
           工艺流程|生产节拍不平衡、在制品积压|精益生产与流程再造方案设计|使生产周期缩短20%左右|精益生产改造
           产能规划|产能规划与订单需求匹配度低|产能规划与瓶颈分析|形成滚动的产能规划模型和扩产决策方案|产能规划与瓶颈分析""",
           "80104|10109", "MES和设备运行数据|多条可供试点的生产线|近三年的质量检验记录", 1.3),
    _topic("G", "G0114|G0115|G0206|G0302",
           "风险|信用|金融|保险|投资|融资|资产|违约|银行|证券|期权|期货|债券|贷款|担保|套期保值|波动|信用风险|风险管理|定价", """
           J6940:金融科技:金融信息与数据服务:信用评估模型和风险监测系统:信用/风险/违约:1234
           L7296:融资担保:中小企业融资担保服务:融资担保和供应链金融服务:担保/信用/中小企业/融资:1234
           J6631:融资租赁:设备融资租赁服务:工程机械租赁和医疗设备租赁:租赁/信用/风险:1234
           L7295:信用管理:企业征信与信用评级服务:企业信用报告和评级服务:信用/评级/违约:12
           F5164:金属贸易:有色金属批发与贸易:电解铜、铝锭和锌锭:期货/套期保值/价格/波动:531""", """
           信用风险评估|中小企业客户数据稀疏、信用评分准确性不足|信用风险评估模型研究|使风险模型的区分能力提高10个百分点|信用风险评估模型
           风险预警|风险预警滞后、不良率有上升趋势|风险预警指标体系与监测方法研究|将不良率控制在1.5%以内|风险预警体系建设
           风险计量|业务规模扩大后风险敞口难以实时监控|风险计量与压力测试方法研究|建立覆盖主要业务的风险计量框架|风险计量方法研究
           风险定价|缺少科学的定价模型、定价与风险不匹配|资产定价与风险定价方法研究|形成可上线运行的风险定价模型|风险定价模型
           套期保值|原材料价格波动大、套期保值策略不成熟|套期保值策略与衍生品风险管理研究|使价格波动对利润的影响降低一半|套期保值策略优化""",
           "50302", "脱敏后的历史业务和违约数据|风控系统测试环境|业务骨干和风控团队的配合", 0.8),
    _topic("G", "G0208|G020802|G020803|G0107",
           "预测|营销|消费者|顾客|品牌|定价|促销|渠道|购买|口碑|广告|零售|满意度|忠诚|网络营销|在线评论|需求预测|消费者行为", """
           F5294:电子商务:线上零售与品牌电商运营:家居日用品和休闲食品::
           F5212:商业连锁:连锁超市和便利店经营:生鲜食品和日用消费品::
           C1529:饮品:茶饮料和功能饮料的生产与销售:即饮茶和功能饮料::
           F5127:酒业:酒类和饮料批发与品牌运营:白酒、葡萄酒和饮料::
           L7232:市场研究:市场调查与消费者研究服务:消费者调研和品牌监测:消费者/顾客/满意度/品牌:145""", """
           销量预测|销量预测误差大、备货失准|需求预测模型研究|将月度销量预测误差控制在10%以内|销量预测模型
           定价与促销|促销投入产出比逐年下降|动态定价与促销效果评估研究|使促销投入产出比提高20%以上|动态定价与促销优化
           渠道管理|线上线下渠道冲突、价格体系混乱|全渠道营销策略设计|形成统一的全渠道价格与渠道管理方案|全渠道营销策略
           客户运营|客户流失率较高、复购率偏低|客户细分与精准营销研究|将老客户复购率提高5个百分点|客户流失预警
           品牌建设|品牌认知度不高、营销投放缺乏数据支撑|品牌资产评估与提升策略研究|形成可持续使用的品牌与营销决策模型|品牌提升策略""",
           "50601|50302", "近三年的销售和会员数据|线上店铺后台数据|可供试点的门店和渠道"),
    _topic("G", "G0112|G011201|G011202|G011203|G0211|G021101|G021102|G0117",
           "信息系统|信息化|数据|挖掘|电子商务|互联网|平台|知识管理|ERP|决策支持|商务智能|在线|信息技术|社交网络|数据挖掘|信息资源", """
           I6510:软件:企业管理软件开发:ERP、MES和数据分析平台::
           I6520:信息技术:信息系统集成服务:信息系统集成和运维服务::
           I6530:数字科技:数字化转型咨询服务:数字化诊断和IT规划::
           C3811:电机:发电机及发电机组的研发与生产:中小型发电机组::""", """
           数字化转型|数字化投入大、转型效果难以评估|数字化转型路径与成熟度评估研究|形成分阶段实施的数字化转型方案|数字化转型规划
           数据治理|各业务系统数据孤岛严重、口径不一致|数据治理体系与数据资产管理研究|建立统一的数据标准和指标体系|数据治理体系建设
           经营决策|管理决策依赖经验、缺少数据支撑|基于数据挖掘的经营决策支持研究|使关键经营决策有数据支撑的比例达到80%以上|经营决策支持系统
           数据分析应用|数据积累量大但缺少有效的分析和应用|业务数据挖掘与智能分析应用研究|在2至3个业务场景实现数据分析应用落地|数据挖掘应用
           知识管理|员工经验难以沉淀、知识流失严重|企业知识管理体系设计|建成可持续运行的知识库并在主要部门推广|知识管理体系构建""",
           "10109|50302|10111", "ERP、CRM等系统的历史数据|信息化团队和试点部门|数据中台测试环境", 1.2),
    _topic("G", "G0203|G0210|G021001|G021002|G030703",
           "创新|研发|技术转移|知识产权|专利|产学研|吸收能力|技术标准|新产品|技术追赶|开放式创新|技术创新|自主创新", """
           M7520:科技服务:科技成果转化与技术转移服务:技术评估、成果转化和创新咨询:技术转移/产学研/研发:135
           L7250:知识产权:知识产权代理与运营服务:专利布局和专利运营:专利/知识产权:2
           C3990:电子:电子设备的研发与生产:工业控制电子设备::
           C2720:药业:化学药制剂的研发与生产:仿制药和改良型新药::""", """
           研发项目管理|研发项目立项论证不充分、成果转化率低|研发项目组合管理与评价方法研究|建立研发项目全流程评价体系|研发管理体系优化
           知识产权布局|专利数量增长快但质量不高、布局不系统|专利布局与知识产权战略研究|形成覆盖核心产品的专利布局方案|专利布局策略
           产学研合作|与高校合作多停留在短期项目、协同效率低|产学研协同创新机制设计|形成长期稳定的产学研合作机制|产学研协同机制
           新产品开发|新产品开发周期长、上市节奏慢|新产品开发流程优化研究|将新产品开发周期缩短20%左右|新产品开发流程优化
           技术路线选择|关键技术路线选择缺少科学评估|技术路线图与技术预见研究|形成企业中长期技术路线图|技术路线图编制""",
           "50101|505", "历年研发项目档案和专利数据|研发中心和技术骨干的配合|在研的新产品项目", 0.8),
    _topic("G", "G0205|G020501|G020502|G020503|G0204|G0108",
           "员工|绩效|激励|薪酬|领导|团队|组织|人力资源|知识员工|职业|心理契约|授权|离职|人才|组织文化|组织承诺|领导力|工作满意度", """
           L7269:人力资源:人力资源外包与咨询服务:招聘外包和薪酬绩效咨询::
           L7212:投资管理:投资与资产管理服务:股权投资和资产管理::
           H6210:餐饮管理:连锁餐饮经营:中式正餐和团餐服务::""", """
           人才保留|核心员工离职率偏高、关键岗位后继乏人|员工离职预警与保留策略研究|将核心员工年离职率降低到10%以内|员工保留策略
           绩效考核|绩效考核流于形式、激励效果不明显|绩效与薪酬激励体系设计|形成可落地的绩效考核与激励方案|绩效激励体系优化
           组织变革|业务快速扩张后组织架构与流程不匹配|组织结构优化与变革管理研究|完成组织架构优化并配套管理制度|组织变革方案
           团队建设|新生代员工管理难度大、团队凝聚力下降|员工敬业度与团队建设研究|使员工敬业度调查得分提高10%以上|团队凝聚力提升
           领导力培养|中层管理者领导力不足|领导力评估与培养体系研究|建立覆盖中高层的领导力培养体系|领导力培养体系""",
           "", "脱敏后的人事和绩效数据|各层级员工的访谈配合|可供试点的业务部门", 0.6),
    _topic("G", "G0312|G031201|G031202|G031203",
           "能源|碳|排放|节能|低碳|减排|循环经济|可持续|电力|清洁生产|绿色|污染|碳排放|能源效率|碳交易", """
           D4420:电力:区域配售电服务:配售电和综合能源服务:电力/能源:251
           M7514:节能科技:节能技术推广与合同能源管理:节能改造和能效诊断:节能/能源效率/能源:215
           C3825:新能源:光伏组件的研发与生产:光伏组件和储能系统:碳/排放/绿色:132
           C2614:化工:有机化学原料的生产:精细化工中间体:清洁生产/排放/污染:1243""", """
           碳排放核算|碳排放底数不清、核算方法不统一|碳排放核算与减排路径研究|形成企业碳达峰路线图|碳排放核算与减排路径
           能效管理|能耗高、节能潜力难以量化|能效评估与节能潜力分析|使单位产品综合能耗下降8%以上|能效提升方案
           绿色供应链|下游客户提出碳足迹要求、企业应对能力不足|产品碳足迹核算与绿色供应链管理研究|完成主要产品的碳足迹核算|碳足迹核算
           清洁生产|环保合规成本持续上升|清洁生产审核与绿色工艺评价|形成可执行的清洁生产改进方案|清洁生产评价
           用能结构优化|用能结构调整缺少经济性评估|综合能源系统规划与经济性评估|形成经济可行的用能结构优化方案|综合能源规划""",
           "60407|70702", "近三年的能耗计量数据|能源管理系统|可供试点的生产车间", 0.7),
    _topic("G", "G0118|G0213",
           "项目|工程|建设|建筑|基础设施|承包|施工|工期|项目管理|工程管理|重大工程", """
           E4700:建设:房屋建筑工程施工:住宅、公建和装配式建筑::
           E4812:路桥:公路工程施工:高速公路和桥梁工程::
           M7481:工程咨询:工程项目管理与造价咨询服务:全过程工程咨询和造价管理::1235""", """
           工期管理|项目工期延误频繁、进度计划难以执行|工程项目进度与资源优化研究|将重点项目工期延误率降低30%|项目进度与资源优化
           成本控制|成本超支现象普遍、动态成本控制能力弱|项目成本动态控制方法研究|使项目成本偏差控制在3%以内|工程成本动态控制
           多项目协同|多项目并行时资源冲突严重|多项目资源调度与协同管理研究|建立多项目资源调度决策工具|多项目协同管理
           安全管理|施工安全风险识别依赖经验|施工安全风险评估与预警研究|形成施工安全风险分级管控方案|施工安全风险预警
           投标决策|投标报价决策缺少数据支撑|投标决策与报价模型研究|使投标中标率提高5个百分点|投标报价决策模型""",
           "10103", "在建项目的进度和成本数据|项目管理信息系统|可供试点的在建工程", 0.5),
    _topic("G", "G0308|G0214",
           "医疗|医院|健康|卫生|医保|药品|患者|医生|护理|养老|就医|公共卫生|医疗服务|服务质量", """
           F5251:大药房:药品零售连锁经营:处方药、非处方药和健康产品:药品/医保:1345
           Q8412:养老服务:养老护理机构运营:机构养老和居家护理服务:养老/护理:245
           Q8315:医疗:专科医院运营:眼科诊疗和口腔诊疗:医院/患者/医疗服务:
           I6510:健康科技:互联网医疗平台开发:在线问诊和慢病管理平台:患者/健康/医生:341""", """
           服务流程|高峰时段排队时间长、患者满意度下降|服务流程优化与排队系统研究|将患者平均等候时间缩短30%|服务流程优化
           资源配置|床位和医护人员配置不合理、利用率不均衡|医疗资源配置与需求预测研究|使床位利用率提高到85%以上|医疗资源配置
           患者管理|慢病患者随访依从性差、复诊率低|患者管理与依从性干预研究|使慢病患者随访依从率提高20个百分点|慢病患者管理
           服务质量评价|服务质量缺少科学的评价指标|服务质量评价体系构建|建立可常态化运行的服务质量评价体系|服务质量评价体系
           运营管理|门店和机构扩张后运营成本上升|连锁运营效率评价与成本控制研究|使单店运营成本降低10%左右|运营效率提升""",
           "50703|20505", "脱敏后的就诊和服务记录|信息管理系统|可供试点的门店和机构", 0.5),
    _topic("G", "G0305|G030502|G030504",
           "农户|农业|农产品|合作社|粮食|农村|农民|土地流转|农地|农资|农业产业化|龙头企业", """
           F5123:农产品:果蔬批发与农产品流通:果蔬产地收购和批发配送:农产品/流通/价格:1234
           A0141:现代农业:蔬菜规模化种植:设施蔬菜和净菜:农户/合作社/农产品:142
           C1310:粮油:粮食收储与加工:大米和面粉:粮食/农户/价格:124
           M7511:农业科技:农业社会化服务:土地托管服务和农资配送:农户/农资/土地流转:51""", """
           订单农业管理|与农户的订单履约率低、收购质量不稳定|订单农业契约设计与利益联结机制研究|将订单履约率提高到90%以上|订单农业模式优化
           价格风险管理|农产品价格波动大、收益难以预期|农产品价格预测与风险管理研究|建立农产品价格预警模型|农产品价格风险管理
           产销对接|产销信息不对称、流通损耗率高|产销对接模式与流通效率研究|使流通损耗率降低5个百分点|产销对接模式研究
           品牌建设|区域农产品品牌溢价能力弱|农产品品牌建设策略研究|形成区域公用品牌与企业品牌协同方案|区域品牌建设
           社会化服务|土地托管服务规模扩大后管理成本上升|农业社会化服务组织模式与管理研究|使托管服务单位面积管理成本下降10%|农业社会化服务管理""",
           "20704", "合作农户和基地的生产数据|产地仓和冷链设施|历年收购和销售价格数据", 0.5),
)

# -- sentences ---------------------------------------------------------------------------------
_INTROS = (
    "我公司主要从事{business}，主营产品和服务包括{products}。",
    "本企业成立于{year}年，是一家专注于{business}的{kind}。",
    "我司是{city}一家从事{business}的{kind}，现有员工约{employees}人。",
    "公司长期深耕{business}领域，{products}等业务已形成一定规模。",
    "我单位主要从事{business}，近年来{products}业务增长较快。",
)
_PROBLEMS = (
    "目前在{stage}环节遇到{problem}等问题，现有{means}手段难以解决。",
    "随着业务规模扩大，{stage}中{problem}的问题日益突出，已成为制约企业发展的瓶颈。",
    "生产经营中发现{problem}，直接影响{impact}。",
    "企业自身研发力量有限，在{stage}方面缺乏系统的理论和方法支撑，{problem}的问题长期未能解决。",
    "近期在推进{stage}工作时，{problem}，内部团队多次尝试仍未找到有效的解决办法。",
    "当前{stage}主要依赖经验，{problem}，亟需引入科学的方法。",
)
_ASKS = (
    "希望与高校院所专家合作，围绕{kws}等方向开展{work}。",
    "拟面向高校和科研院所征集专家团队，重点围绕{kws}开展{work}。",
    "诚邀在{kws}方面有研究积累的专家团队，联合开展{work}。",
    "现寻求熟悉{kws}的专家提供指导，共同开展{work}。",
    "希望借助高校院所在{kws}等领域的研究基础，开展{work}。",
)
_GOALS = (
    "预期{goal}。",
    "项目完成后，力争{goal}。",
    "合作目标是{goal}，并形成可在企业推广应用的{solution}。",
    "预期成果包括{deliverable}，力争{goal}。",
    "希望通过合作{goal}，合作方式可以是{modes}。",
)
_EXTRAS = (
    "企业可提供{resource}，并配套相应研发经费。",
    "合作周期预计{months}个月，具体合作方式可面议。",
    "公司已具备{resource2}，可支撑{trial}。",
    "有相关成功案例的团队优先考虑。",
    "希望专家团队能够定期到企业现场开展指导。",
)
_TITLES = ("{kw}{tail}", "{product}{tail}", "面向{product}的{tail}", "{product}{stage}{side_tail}",
           "关于{tail}的合作需求", "{tail}（{kw}方向）")
_SIDE = {  # wording that differs between technical (C) and management (G) demands
    "C": {"means": "技术", "impact": "产品质量、生产成本和市场竞争力", "solution": "技术方案", "trial": "成果的中试验证",
          "modes": "技术开发、技术咨询或共建联合实验室", "side_tail": "技术攻关",
          "deliverables": ("技术报告、工艺规程和相关专利", "可工程化的技术方案和标准操作规程", "研究报告、检测方法和专利申请")},
    "G": {"means": "管理", "impact": "运营效率和经营效益", "solution": "管理方案", "trial": "方案的试点应用",
          "modes": "管理咨询、课题委托或联合研究", "side_tail": "优化咨询",
          "deliverables": ("诊断报告、优化模型和实施方案", "决策支持工具和管理制度文件", "研究报告和可落地的改进方案")},
}
_SCALES = {"小微": (0.25, (8, 50), (200, 3000), (5, 8, 10, 15, 20, 30)),
           "小型": (0.35, (30, 200), (1000, 10000), (10, 15, 20, 30, 50, 60)),
           "中型": (0.3, (200, 1000), (10000, 80000), (30, 50, 80, 100, 120, 150, 200)),
           "大型": (0.1, (1000, 6000), (80000, 600000), (100, 150, 200, 300, 500))}
"""scale → (share, employees range, revenue range 万元, budgets 万元)."""
_DEMAND_WEIGHT = {"小微": 1.0, "小型": 1.5, "中型": 2.5, "大型": 4.0}
_BRAND_CHARS = "华康瑞泰德源恒诺盛禾丰润嘉鑫宏信达安和正元博睿晟沃绿青益健本谷优汇新天远永宇凯力众弘昊锦誉朗晨星桐泓澜川岳航峰毅中科"
_FAMOUS = frozenset({"华为", "中兴", "伊利", "蒙牛", "恒瑞", "华润", "中科", "天士", "康美", "永辉", "新华", "汇源", "华康"})
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
_TITLES_OF_PERSON = ("先生", "女士", "经理", "工程师", "主任", "总监")
_UNUSABLE_KEYWORD = re.compile(r"拟南芥|斑马鱼|果蝇|小鼠|大鼠|秀丽|机制|机理|进化|演化|系统发育|分类|新种|起源|模式|功能|结构|调控|表达|[和与及的]")
_KEYWORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,10}")


# -- real inputs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Project:
    title: str
    code: str  # application code; "" for the management list
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _City:
    code: str  # 6-digit city-level code
    name: str  # 杭州市; a municipality's own name (北京市)
    short: str  # 杭州 / 北京
    place: str  # 浙江省杭州市 / 北京市
    province: str  # 2-digit code
    counties: tuple[str, ...]  # codes for the credit code's registration area


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def _projects() -> tuple[tuple[_Project, ...], tuple[_Project, ...], tuple[str, ...]]:
    """Life-science projects, management projects, and the institution of every project (both lists)."""
    life = tuple(_Project(r["title"].strip(), r["application_code"].strip(),
                          tuple(k.strip() for k in re.split(r"[;；]", r["keywords"]) if k.strip()))
                 for r in _read_csv(_C_FILE))
    management = tuple(_Project(r["项目名称"].strip(), "", ()) for r in _read_csv(_G_FILE))
    institutions = tuple(r["institution"] for r in _read_csv(_C_FILE)) + tuple(r["依托单位"] for r in _read_csv(_G_FILE))
    return life, management, institutions


@functools.cache
def _cities() -> tuple[_City, ...]:
    """City-level regions of GB/T 2260 whose names end in 市 (municipalities by their 市辖区)."""
    cities = []
    for province in json.loads(_REGIONS_FILE.read_text(encoding="utf-8")):
        for city in province.get("children", []):
            counties = tuple(c["code"] for c in city.get("children", []) if len(c["code"]) == 6)
            if city["name"] == "市辖区":
                name, short, place = province["name"], province_short(province["name"]), province["name"]
            elif city["name"] in _PLACEHOLDERS or not city["name"].endswith("市"):
                continue
            else:
                name, short, place = city["name"], city["name"][:-1], province["name"] + city["name"]
            cities.append(_City(city["code"].ljust(6, "0"), name, short, place, province["code"],
                                counties or (city["code"].ljust(6, "0"),)))
    return tuple(cities)


@functools.cache
def _province_weights() -> dict[str, float]:
    """Province code → weight: projects whose institution is there (universities list, else a place in the name)."""
    regions = json.loads(_REGIONS_FILE.read_text(encoding="utf-8"))
    by_short = {province_short(p["name"]): p["code"] for p in regions}
    universities = {normalize_org(name): by_short.get(province, "")
                    for province, group in json.loads(UNIVERSITIES_FILE.read_text(encoding="utf-8")).items()
                    for name in group.get("all", [])}
    places: dict[str, str] = {}
    for p in regions:
        for city in p.get("children", []):
            if city["name"] not in _PLACEHOLDERS and len(city["name"]) > 2:
                places.setdefault(re.sub(r"(市|地区|盟)$", "", city["name"]), p["code"])
        places[p["name"]] = places[province_short(p["name"])] = p["code"]
    for ambiguous in ("中山", "朝阳"):  # Sun Yat-sen, and a Beijing district
        places.pop(ambiguous, None)
    pattern = re.compile("|".join(sorted(map(re.escape, places), key=len, reverse=True)))
    counts: Counter[str] = Counter()
    for raw in _projects()[2]:
        name = normalize_org(raw)
        code = next((universities[name[:k]] for k in range(len(name), 3, -1) if name[:k] in universities), None)
        if code is None and (found := pattern.search(name)):
            code = places[found.group()]
        if code:
            counts[code] += 1
    return {code: n ** 0.6 for code, n in sorted(counts.items())}


@functools.cache
def _pool(topic_index: int, industry_code: str = "") -> tuple[_Project, ...]:
    """The projects that can seed demands of a topic (file order); with an industry, those naming one
    of its focus terms, unless fewer than five do."""
    topic = _TOPICS[topic_index]
    if industry_code:
        focus = next(i.focus for i in topic.industries if i.code == industry_code)
        pool = tuple(p for p in _pool(topic_index) if any(f in p.title or f in "".join(p.keywords) for f in focus))
        return pool if len(pool) >= 5 else _pool(topic_index)
    life, management, _ = _projects()
    if topic.side == "C":
        found = [p for p in life if p.code.startswith(topic.codes) and len(_keywords(p, topic)) >= 2]
    else:
        found = [p for p in management if len(_title_terms(p.title, topic)) >= 2]
    return tuple(p for p in found if not any(x in p.title for x in topic.excludes))


def _keywords(project: _Project, topic: _Topic, focus: Sequence[str] = ()) -> list[str]:
    """A life-science project's keywords as a demand can use them: those naming a focus term, then
    those naming the topic, then one more (none at all when no keyword names the topic). Phrases,
    lab-only terms and excluded terms are left out."""
    usable = [k for k in project.keywords if _KEYWORD.fullmatch(k) and re.search(r"[\u4e00-\u9fff]", k)
              and not _UNUSABLE_KEYWORD.search(k) and not any(x in k for x in topic.excludes)]
    on = [k for k in usable if any(t in k for t in topic.triggers)]
    on.sort(key=lambda k: not any(f in k for f in focus))  # stable: focus terms first
    return on + [k for k in usable if k not in on][:1] if on else []


def _title_terms(title: str, topic: _Topic) -> list[str]:
    """The topic terms a management project's title contains, in title order (the longest at a place)."""
    hits = sorted((title.find(t), -len(t), t) for t in topic.triggers if t in title)
    terms: list[str] = []
    for _, _, term in hits:
        if not any(term in kept or kept in term for kept in terms):
            terms.append(term)
    return terms


# -- credit codes ------------------------------------------------------------------------------
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def credit_code(area: str, body: str) -> str:
    """A unified social credit code (GB 32100) of an enterprise (登记管理部门 9, 类别 1) with both check characters.

    >>> credit_code("330106", "MA27XL0E")
    '91330106MA27XL0E9W'
    """
    base = f"91{area}{body}{_org_check(body)}"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(base, _CREDIT_WEIGHTS, strict=True))
    return base + _CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_ok(code: str) -> bool:
    """Whether both check characters of a unified social credit code are right.

    >>> credit_code_ok("91330106MA27XL0E9W"), credit_code_ok("91330106MA27XL0E9X")
    (True, False)
    """
    return len(code) == 18 and all(c in _CREDIT_CHARS for c in code) and credit_code(code[2:8], code[8:16]) == code


# -- generation --------------------------------------------------------------------------------
def _pick(rng: random.Random, items: Sequence[Any]) -> Any:
    return items[rng.randrange(len(items))]


@functools.cache
def _city_weights(provinces: tuple[str, ...]) -> tuple[tuple[_City, ...], tuple[float, ...]]:
    """Cities in provinces with NSFC institutions, and their weights: the province's share spread over
    its cities (the capital counts three times), four times larger in ``provinces`` (short names)."""
    weights = _province_weights()
    cities = tuple(c for c in _cities() if c.province in weights)
    shares: Counter[str] = Counter()
    for c in cities:
        shares[c.province] += 3 if c.code[2:4] == "01" else 1
    return cities, tuple(weights[c.province] * (4 if any(c.place.startswith(p) for p in provinces) else 1)
                         * (3 if c.code[2:4] == "01" else 1) / shares[c.province] for c in cities)


@dataclass(frozen=True)
class _Enterprise:
    """A generated enterprise: its import row and what its demands are written with."""

    row: dict[str, Any]
    topic: int  # index into _TOPICS
    industry: _Industry
    city: _City

    @property
    def products(self) -> list[str]:
        """The products as short items (for titles and keywords)."""
        return [k for k in re.split(r"、|和|及", self.industry.products) if k]


def _enterprise(rng: random.Random, topic_index: int, taken: set[str]) -> _Enterprise:
    """One enterprise of a topic: name, credit code, region, industry, size."""
    topic = _TOPICS[topic_index]
    cities, weights = _city_weights(topic.provinces)
    city = rng.choices(cities, weights=weights)[0]
    industry = _pick(rng, topic.industries)
    scale = rng.choices(list(_SCALES), weights=[s[0] for s in _SCALES.values()])[0]
    _, employees, revenue, _ = _SCALES[scale]
    while True:
        brand = "".join(rng.sample(_BRAND_CHARS, 2))
        suffix = "股份有限公司" if scale in ("中型", "大型") and rng.random() < 0.5 else "有限公司"
        name = (f"{city.short}{brand}{industry.word}{suffix}" if rng.random() < 0.85
                else f"{brand}（{city.short}）{industry.word}{suffix}")
        code = credit_code(_pick(rng, city.counties), "MA" + "".join(rng.choice(_CREDIT_CHARS) for _ in range(6)))
        if brand not in _FAMOUS and name not in taken and code not in taken:
            taken.update((name, code))
            break
    year = rng.randint(1996, 2022)
    row = {
        "id": f"ent:{code}", "name": name, "credit_code": code, "region": city.code, "industry": industry.code,
        "scale": scale, "established": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "employees": rng.randint(*employees), "revenue_wan": round(rng.randint(*revenue), -1),
        "high_tech": rng.random() < (0.6 if topic.side == "C" and scale != "小微" else 0.15),
        "description": f"{name}成立于{year}年，位于{city.place}，主要从事{industry.business}，主营{industry.products}。",
        "keywords": None, "contact": f"{_pick(rng, _SURNAMES)}{_pick(rng, _TITLES_OF_PERSON)}", "source": _SOURCE,
    }
    ent = _Enterprise(row, topic_index, industry, city)
    row["keywords"] = ent.products[:4]
    return ent


def _description(rng: random.Random, slots: dict[str, Any]) -> str:
    """Intro, problem, request and goal sentences, plus extras until 100–300 characters."""
    core = "".join(_pick(rng, part).format(**slots) for part in (_INTROS, _PROBLEMS, _ASKS, _GOALS))
    extras = [e.format(**slots) for e in rng.sample(_EXTRAS, len(_EXTRAS))]
    wanted = rng.randint(0, 2)
    text = core + "".join(extras[:wanted])
    while len(text) < 100 and wanted < len(extras):
        wanted += 1
        text = core + "".join(extras[:wanted])
    while len(text) > 300 and wanted > 0:
        wanted -= 1
        text = core + "".join(extras[:wanted])
    return text


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _seed_project(rng: random.Random, ent: _Enterprise, used: set[_Project]) -> _Project:
    """An unused project suiting the enterprise's industry, else its topic, else any of the topic."""
    for pool in (_pool(ent.topic, ent.industry.code), _pool(ent.topic)):
        fresh = [p for p in pool if p not in used]
        if fresh:
            break
    else:
        fresh = list(_pool(ent.topic))
    project = _pick(rng, fresh)
    used.add(project)
    return project


def _angle(rng: random.Random, ent: _Enterprise, project: _Project, keywords: Sequence[str]) -> _Angle:
    """One of the industry's angles, likelier the more character bigrams it shares with the project."""
    angles = _TOPICS[ent.topic].angles
    allowed = [angles[i - 1] for i in ent.industry.angles] or list(angles)
    seed = _bigrams(project.title + "".join(keywords))
    scores = [len(seed & _bigrams(a.stage + a.problem + a.work + a.tail)) for a in allowed]
    return rng.choices(allowed, weights=[(1 + s) ** 2 for s in scores])[0]


def _demand(rng: random.Random, ent: _Enterprise, project: _Project, titles: set[str]) -> dict[str, Any]:
    """One demand of ``ent`` seeded by ``project`` with a title not in ``titles`` (id, dates and status are set later)."""
    topic = _TOPICS[ent.topic]
    side = _SIDE[topic.side]
    if topic.side == "C":
        keywords = _keywords(project, topic, ent.industry.focus)[: rng.choice((2, 3))]
        fields = {f"nsfc2020:{project.code}": 1.0}
    else:
        keywords = _title_terms(project.title, topic)[:3]
        fields = {f"nsfc:{rng.choices(topic.codes, weights=[2] + [1] * (len(topic.codes) - 1))[0]}": 1.0, "nsfc:G": 0.5}
    if topic.ht:
        fields[f"ht2016:{_pick(rng, topic.ht)}"] = _pick(rng, (0.4, 0.5, 0.6))
    angle = _angle(rng, ent, project, keywords)
    products = [p for p in ent.products if len(p) <= 8] or [ent.industry.word]
    resource, resource2 = rng.sample(topic.resources, 2)
    row = ent.row
    slots = {"business": ent.industry.business, "products": ent.industry.products, "year": row["established"][:4],
             "kind": "国家高新技术企业" if row["high_tech"] else f"{row['scale']}企业", "city": ent.city.name,
             "employees": row["employees"], "stage": angle.stage, "problem": angle.problem, "kws": "、".join(keywords),
             "work": angle.work, "goal": angle.goal, "deliverable": _pick(rng, side["deliverables"]),
             "resource": resource, "resource2": resource2, "months": _pick(rng, (6, 12, 18, 24)), **side}
    for attempt in range(30):
        tail = angle.tail if attempt < 15 else _pick(rng, topic.angles).tail
        title = _pick(rng, _TITLES).format(kw=keywords[0], tail=tail, product=_pick(rng, products), **slots)
        grams = [title[i:i + 2] for i in range(len(title) - 1)]
        if len(title) <= 40 and title not in titles and len(grams) == len(set(grams)):
            break  # (a repeated bigram, as in 数据挖掘应用（数据方向）, says one thing twice)
    else:
        title = f"{ent.city.short}{_pick(rng, products)}{angle.tail}"
        if title in titles:
            title += f"（{len(titles) + 1}）"
    titles.add(title)
    return {"title": title, "description": _description(rng, slots), "enterprise": row["id"], "fields": fields,
            "industry": row["industry"], "region": row["region"],
            "budget_wan": _pick(rng, _SCALES[row["scale"]][3]) if rng.random() > 0.08 else None,
            "keywords": keywords, "contact": f"{_pick(rng, _SURNAMES)}{_pick(rng, _TITLES_OF_PERSON)}",
            "source": _SOURCE}


def _dates(rng: random.Random) -> tuple[datetime.date, datetime.date, str]:
    """Posted date, deadline and a status that is likelier 已解决 the older the demand."""
    span = (_LAST_DAY - _FIRST_DAY).days
    posted = _FIRST_DAY + datetime.timedelta(days=rng.randrange(span + 1))
    age = (_LAST_DAY - posted).days / span
    status = rng.choices(STATUSES, weights=(0.65 - 0.5 * age, 0.3, 0.05 + 0.5 * age))[0]
    return posted, posted + datetime.timedelta(days=_pick(rng, (90, 180, 270, 365, 540))), status


def generate(seed: int = DEFAULT_SEED, n_enterprises: int = DEFAULT_ENTERPRISES,
             n_demands: int = DEFAULT_DEMANDS) -> dict[str, list[dict[str, Any]]]:
    """Synthetic enterprises and demands as import rows: ``{"enterprise": [...], "demand": [...]}``.

    Deterministic: the same arguments always give equal rows. Every topic gets an enterprise
    (when there are enough), every enterprise posts at least one demand and larger ones
    post more; each demand is seeded by a different real project while its topic has unused ones.

    Raises:
        ValueError: no enterprise, or fewer demands than enterprises.
    """
    if n_enterprises < 1 or n_demands < n_enterprises:
        raise ValueError(f"need 1 <= n_enterprises <= n_demands, got {n_enterprises} and {n_demands}")
    rng = random.Random(seed)
    indexes = list(range(len(_TOPICS)))
    order = indexes + rng.choices(indexes, weights=[t.weight for t in _TOPICS], k=max(0, n_enterprises - len(indexes)))
    rng.shuffle(order)
    taken: set[str] = set()
    enterprises = [_enterprise(rng, index, taken) for index in order[:n_enterprises]]
    counts = [1] * n_enterprises
    for i in rng.choices(range(n_enterprises), weights=[_DEMAND_WEIGHT[e.row["scale"]] for e in enterprises],
                         k=n_demands - n_enterprises):
        counts[i] += 1
    used: set[_Project] = set()
    demands = []
    titles: set[str] = set()
    for ent, count in zip(enterprises, counts, strict=True):
        demands += [_demand(rng, ent, _seed_project(rng, ent, used), titles) for _ in range(count)]
    dated = sorted(((*_dates(rng), d) for d in demands), key=lambda x: (x[0], x[3]["enterprise"], x[3]["title"]))
    rows = [{"id": f"demand:syn-{number:04d}", **demand, "posted": posted.isoformat(),
             "deadline": deadline.isoformat(), "status": status}
            for number, (posted, deadline, status, demand) in enumerate(dated, start=1)]
    return {"enterprise": [e.row for e in enterprises],
            "demand": [{k: v for k, v in row.items() if v is not None} for row in rows]}


_SOURCE_NOTE = """# data/demo — synthetic enterprises and technology demands

**Everything in `enterprises.jsonl` and `demands.jsonl` is synthetic** (`"source": "synthetic"` on every row):
there is no public dataset of enterprise technology demands. The files are generated by

    python -m ingest.synthetic --seed {seed} --enterprises {n_e} --demands {n_d}

(`ingest/synthetic.py`), which rewrites them byte for byte; do not edit them by hand.

- {n_e} enterprises, {n_d} demands, posted 2024-01-01 … 2026-10-31.
- Grounded in real public data shipped in `data/`: every demand is seeded by a real NSFC project of
  `data/nsfc/nsfc_C_projects.csv` (its application code → `nsfc2020:<code>`, 2–3 of its keywords) or of
  `data/nsfc/nsfc_G_projects_start_le2015.csv` (the topic's pre-2020 `nsfc:G…` code and `nsfc:G`, topic terms
  found in its title); secondary fields are `data/taxonomies/hightech-fields-2016` codes, industries
  GB/T 4754-2011 classes (`data/taxonomies/gbt4754-2011-industries`), regions GB/T 2260 cities
  (`data/taxonomies/gbt2260-regions`) weighted by where the NSFC projects' institutions are
  (`data/taxonomies/universities-cn`). The wording comes from templates; no project title is copied.
- **Fictitious:** enterprise names, unified social credit codes (well-formed, with valid check characters,
  but invented), contacts (a surname and a title; e-mail addresses are not generated), sizes, revenues, budgets,
  dates and statuses. Any resemblance to a real enterprise is coincidental.
- Loaded by `kgmatch load demo` after the taxonomies and NSFC projects (enterprises first, then demands).
"""


def write_demo(out_dir: Path = OUT_DIR, *, seed: int = DEFAULT_SEED, n_enterprises: int = DEFAULT_ENTERPRISES,
               n_demands: int = DEFAULT_DEMANDS) -> dict[str, Path]:
    """Write ``enterprises.jsonl``, ``demands.jsonl`` and ``SOURCE.md`` into ``out_dir``; their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = generate(seed, n_enterprises, n_demands)
    paths = {"enterprise": out_dir / "enterprises.jsonl", "demand": out_dir / "demands.jsonl",
             "source": out_dir / "SOURCE.md"}
    for kind in ("enterprise", "demand"):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows[kind])
        paths[kind].write_text(text, encoding="utf-8", newline="\n")
    note = _SOURCE_NOTE.format(seed=seed, n_e=len(rows["enterprise"]), n_d=len(rows["demand"]))
    paths["source"].write_text(note, encoding="utf-8", newline="\n")
    log.info("wrote %d enterprises and %d demands (seed %d) to %s", len(rows["enterprise"]), len(rows["demand"]),
             seed, out_dir)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest.synthetic``: regenerate the demo's synthetic enterprises and demands."""
    parser = argparse.ArgumentParser(prog="python -m ingest.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--enterprises", type=int, default=DEFAULT_ENTERPRISES)
    parser.add_argument("--demands", type=int, default=DEFAULT_DEMANDS)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_demo(args.out, seed=args.seed, n_enterprises=args.enterprises, n_demands=args.demands)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
