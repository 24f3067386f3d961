"""Every environment variable kgmatch reads, in one table: name, default, who reads it, Chinese help.

The stores (``KGMATCH_STORE``, ``KGMATCH_DATA_DIR``, ``KGMATCH_NEO4J_*``), the web app's settings
(:data:`api.settings.APP_SETTINGS` takes their defaults and help from here), the local Neo4j
server scripts in ``deploy/neo4j`` and the test suite all name their variables here, and
``README.md`` shows :func:`environment_markdown` (``tests/test_api_errors.py`` checks that it
does, and that no module reads a ``KGMATCH_*`` variable missing from the table). It lives in the
bottom layer so that every layer can read it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EnvVar", "ENVIRONMENT", "variable", "env_value", "environment_markdown"]

STORE, APP, PUSH, NEO4J, SERVER, DATA, TESTS, NOTEBOOKS = ("存储", "Web 服务", "推送与 webhook", "Neo4j 连接",
                                                          "本地 Neo4j（deploy/neo4j）", "数据", "测试", "笔记本")


@dataclass(frozen=True)
class EnvVar:
    """One environment variable: its name, default (typed), the part of kgmatch that reads it, help."""

    name: str
    default: Any
    used_by: str
    help: str


ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar("KGMATCH_STORE", "local", STORE, "图存储后端：local（内置）或 neo4j"),
    EnvVar("KGMATCH_DATA_DIR", "var", STORE, "数据目录：内置图存储、用户文件、审计日志和会话密钥都在这里"),
    EnvVar("KGMATCH_LOAD_CHUNK_ROWS", 20000, STORE,
           "导入大文件时每写入这么多输入行提交一次（内存不随文件增长；中断后再次导入同一文件即可续上）；0 表示整个文件一次提交"),
    EnvVar("KGMATCH_USERS_FILE", "", APP, "用户与 API 密钥文件（JSON，只存哈希）；留空为 数据目录/users.json"),
    EnvVar("KGMATCH_AUDIT_LOG", "", APP, "审计日志（只追加的 JSON Lines）；留空为 数据目录/audit.jsonl"),
    EnvVar("KGMATCH_SECRET_KEY", "", APP, "会话签名密钥；留空时首次启动生成并保存在 数据目录/secret_key（权限 600）"),
    EnvVar("KGMATCH_COOKIE_SECURE", False, APP, "仅通过 HTTPS 发送会话 Cookie（部署在 HTTPS 之后时设为 true）"),
    EnvVar("KGMATCH_SESSION_SECONDS", 28800, APP, "登录会话有效期（秒）"),
    EnvVar("KGMATCH_LOGIN_MAX_FAILURES", 5, APP,
           "同一用户名从同一地址 15 分钟内登录失败达到该次数即锁定该用户名在该地址的登录"
           "（同一地址任何用户名 20 次锁定该地址，同一用户名任何地址 100 次锁定该用户名）"),
    EnvVar("KGMATCH_LOGIN_LOCK_SECONDS", 900, APP, "登录锁定时长（秒）"),
    EnvVar("KGMATCH_TRUSTED_PROXIES", 0, APP,
           "前面有几层可信的反向代理；大于 0 时按 X-Forwarded-For 识别客户端地址（登录限制、访问频率限制、审计），"
           "为 0 时忽略该请求头"),
    EnvVar("KGMATCH_RATE_LIMIT", 600, APP,
           "每个调用方（API 密钥、登录用户或匿名地址）每分钟最多请求 /api/v1 的次数，可一次用完；超出返回 429 与 "
           "Retry-After（中文说明）；0 表示不限"),
    EnvVar("KGMATCH_RECOMMEND_BUDGET", 10, APP,
           "一次推荐（API）的时间预算（秒，含排队）；超时返回 503 与 Retry-After，不返回不完整的排名；0 表示不限"),
    EnvVar("KGMATCH_RECOMMEND_WORKERS", 4, APP, "计算推荐的工作线程数（限制同时进行的推荐）"),
    EnvVar("KGMATCH_RESULT_CACHE", 256, APP,
           "一个服务进程保留的推荐结果份数（同一需求、同样参数再次请求时直接返回同一结果；任何写入后全部作废）；0 表示不保留"),
    EnvVar("KGMATCH_MAX_REQUEST_BYTES", 1_048_576, APP, "请求体最大字节数"),
    EnvVar("KGMATCH_PER_PAGE", 20, APP, "列表接口默认每页条数"),
    EnvVar("KGMATCH_MAX_PER_PAGE", 100, APP, "列表接口每页条数上限"),
    EnvVar("KGMATCH_GRAPH_MAX_DEPTH", 3, APP, "图谱邻域查询的最大跳数"),
    EnvVar("KGMATCH_GRAPH_MAX_NODES", 500, APP, "图谱邻域查询返回的最多节点数"),
    EnvVar("KGMATCH_MAX_TOP_K", 50, APP, "一次推荐最多返回的专家人数（top_k 上限）"),
    EnvVar("KGMATCH_MAX_CANDIDATES", 2000, APP, "推荐参数 max_candidates 与 text_candidates 的上限"),
    EnvVar("KGMATCH_MAX_TEAMS", 10, APP, "推荐参数 team_count 与 team_max_size 的上限"),
    EnvVar("KGMATCH_TEXT_MAX_CHARS", 5000, APP, "按文本推荐时需求文本的最大字数"),
    EnvVar("KGMATCH_PUSH_REMIND_HOURS", 72, PUSH,
           "推送多少小时未回复后发送提醒（POST /api/v1/pushes/reminders 未给出 after_hours 时的默认值）"),
    EnvVar("KGMATCH_WEBHOOK_URL", "", PUSH, "门户接收事件的 webhook 地址（http/https）；留空 = 不投递，事件保留为待投递"),
    EnvVar("KGMATCH_WEBHOOK_SECRET", "", PUSH,
           "webhook 签名密钥：请求头 X-Kgmatch-Signature 为 sha256=请求体的 HMAC-SHA256；留空不签名"),
    EnvVar("KGMATCH_REMIND_INTERVAL", 3600, PUSH, "kgmatch serve 检查未回复推送并发送提醒的间隔（秒）；0 表示不自动提醒"),
    EnvVar("KGMATCH_WEBHOOK_INTERVAL", 5, PUSH, "kgmatch serve 投递待投递事件的间隔（秒）"),
    EnvVar("KGMATCH_WEBHOOK_TIMEOUT", 5, PUSH, "每次 webhook 请求的超时（秒）"),
    EnvVar("KGMATCH_NEO4J_URI", "bolt://127.0.0.1:7687", NEO4J, "Neo4j 地址（bolt:// 或集群的 neo4j:// 路由地址）"),
    EnvVar("KGMATCH_NEO4J_USER", "neo4j", NEO4J, "Neo4j 用户名"),
    EnvVar("KGMATCH_NEO4J_PASSWORD", "kgmatch-dev-pass", NEO4J,
           "Neo4j 密码（本地服务器首次启动时也用它设置密码，至少 8 个字符）"),
    EnvVar("KGMATCH_NEO4J_DATABASE", "neo4j", NEO4J, "Neo4j 数据库名"),
    EnvVar("KGMATCH_NEO4J_TIMEOUT", 3.0, NEO4J, "连接超时（秒）；连接不上时在数秒内给出中文提示"),
    EnvVar("KGMATCH_NEO4J_WRITERS", 1, NEO4J,
           "导入大批数据时同时写入的事务数（按节点编号分区，互不冲突）；1 表示逐批依次写入（双核机器上实测 2 个并不更快，"
           "见 docs/scale/growth.md；Neo4j 服务器核数多时可调大）"),
    EnvVar("KGMATCH_NEO4J_BOLT_PORT", 7687, SERVER, "本地服务器的 Bolt 端口（只监听 127.0.0.1）"),
    EnvVar("KGMATCH_NEO4J_HOME", "var/neo4j", SERVER, "本地服务器的数据目录（相对路径以仓库根目录为准）"),
    EnvVar("KGMATCH_NEO4J_HEAP_INITIAL", "512m", SERVER, "JVM 初始堆"),
    EnvVar("KGMATCH_NEO4J_HEAP_MAX", "2g", SERVER, "JVM 最大堆"),
    EnvVar("KGMATCH_NEO4J_PAGECACHE", "512m", SERVER, "页缓存大小"),
    EnvVar("KGMATCH_NEO4J_TX_TOTAL_MAX", "1g", SERVER, "全部事务可用内存上限"),
    EnvVar("KGMATCH_NEO4J_TX_MAX", "768m", SERVER, "单个事务可用内存上限"),
    EnvVar("KGMATCH_NEO4J_START_TIMEOUT", 180, SERVER, "等待服务器启动的秒数"),
    EnvVar("KGMATCH_NEO4J_STOP_TIMEOUT", 60, SERVER, "等待服务器停止的秒数，之后强制结束"),
    EnvVar("KGMATCH_NEO4J_JAVA_OPTS", "", SERVER, "额外的 JVM 参数"),
    EnvVar("KGMATCH_NEO4J_JAVA_HOME", "", SERVER, "使用的 Java 17/21；留空时依次查找 JAVA_HOME 与 PATH"),
    EnvVar("KGMATCH_LINKER", "supervised", DATA,
           "需求的技术领域链接方式：supervised（有监督模型，默认）或 lexical（旧的词典链接，作为评测基线）"),
    EnvVar("KGMATCH_FIELD_MODEL", "", DATA,
           "有监督领域链接模型文件（kgmatch train-linker 生成）；留空为 仓库/var/models/field_linker-v版本.pkl"),
    EnvVar("KGMATCH_SEMANTIC_MODEL", "", DATA,
           "语义模型文件（make semantics 生成）；留空为 仓库/var/models/semantics-v1.npz；文件不存在时推荐只用 BM25 文本相关"),
    EnvVar("KGMATCH_RANKER", "learned", DATA,
           "推荐打分权重的默认来源：learned（学习排序模型，默认；模型文件不存在时用人工权重）或 hand（人工权重）；"
           "请求里的 ranker 参数优先"),
    EnvVar("KGMATCH_RANKER_MODEL", "", DATA,
           "学习排序模型文件（kgmatch train-ranker 生成）；留空为 仓库/var/models/ranker-v版本.json"),
    EnvVar("KGMATCH_FIELD_MODEL_SMALL", "", TESTS, "设为 1 时缺少模型文件即用小样本训练（测试用，数秒）"),
    EnvVar("KGMATCH_RAW_DATA_DIR", "", DATA, "原始数据目录（重新生成 data/ 的脚本读取）；留空为 ../shared/data/raw"),
    EnvVar("KGMATCH_SKIP_NEO4J", "", TESTS, "设为 1 时跳过需要 Neo4j 的测试（默认连接不上即失败）"),
    EnvVar("KGMATCH_SKIP_BROWSER", "", TESTS, "设为 1 时跳过浏览器截图测试"),
    EnvVar("KGMATCH_FUZZ_EXAMPLES", "", TESTS, "OpenAPI 模糊测试每个接口生成的用例数；留空为测试套件的默认值（make fuzz 设得更大）"),
    EnvVar("KGMATCH_CHROMIUM", "", TESTS, "浏览器测试使用的 Chromium；留空时在 PATH 中查找 chromium"),
    EnvVar("KGMATCH_WRITE_GOLDEN", "", TESTS, "设为 1 时推荐结果快照测试先按当前代码重写 tests/golden/recommendations_demo.json（只在有意改变推荐结果时用）"),
    EnvVar("KGMATCH_NOTEBOOK_OUT", "", NOTEBOOKS, "笔记本导出网页的目录；留空为临时目录"),
    EnvVar("KGMATCH_NOTEBOOK_SAMPLE", "", NOTEBOOKS, "设为 1 时笔记本不建专家文本索引（测试用，省约 10 秒）"),
    EnvVar("KGMATCH_DEMAND_ID", "", NOTEBOOKS, "笔记本讲解的需求编号；留空取演示数据中的一条"),
    EnvVar("KGMATCH_FIELD_ID", "", NOTEBOOKS, "笔记本要画的技术领域编号；留空取演示数据中的一个"),
)

_BY_NAME = {v.name: v for v in ENVIRONMENT}


def variable(name: str) -> EnvVar:
    """The table's row for ``name``.

    Raises:
        KeyError: ``name`` is not in the table (every variable kgmatch reads must be).
    """
    return _BY_NAME[name]


def env_value(name: str, environ: Mapping[str, str] | None = None, *, empty_is_default: bool = False) -> str:
    """``$name`` from ``environ`` (default ``os.environ``), else the table's default as text.

    >>> env_value("KGMATCH_NEO4J_USER", {})
    'neo4j'
    >>> env_value("KGMATCH_STORE", {"KGMATCH_STORE": ""}, empty_is_default=True)
    'local'
    """
    row = variable(name)
    value = (os.environ if environ is None else environ).get(name)
    if value is None or (empty_is_default and value == ""):
        return str(row.default)
    return value


def environment_markdown() -> str:
    """The README table of every environment variable."""
    lines = ["| 环境变量 | 默认值 | 用于 | 说明 |", "|---|---|---|---|"]
    for v in ENVIRONMENT:
        default = "（空）" if v.default == "" else str(v.default).lower() if isinstance(v.default, bool) else v.default
        lines.append(f"| `{v.name}` | `{default}` | {v.used_by} | {v.help} |")
    return "\n".join(lines)
