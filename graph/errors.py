"""One exception tree for kgmatch, rooted in :class:`KgmatchError`.

Every class carries the HTTP status the API answers with, so a handler never has to
guess. Messages a person reads are Chinese (zh-CN) and live in :class:`Msg`, the one
catalogue of end-user text; log lines stay English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Msg",
    "KgmatchError",
    "ValidationError",
    "RowError",
    "NotFoundError",
    "ConflictError",
    "StoreUnavailableError",
    "StoreError",
]


class Msg:
    """Chinese message templates shown to end users; format with ``str.format``."""

    ROW_FIELD = "第 {row} 行「{field}」{reason}"
    FIELD = "「{field}」{reason}"
    REQUIRED = "不能为空"
    BAD_TYPE = "应为{expected}，实际为「{value}」"
    UNKNOWN_LABEL = "未知的节点类型「{value}」"
    UNKNOWN_REL_TYPE = "未知的关系类型「{value}」"
    REL_ENDPOINT = "关系 {rel} 不能从「{start}」指向「{end}」"
    DUPLICATE_ID = "编号「{value}」在本批数据中重复出现（第 {first} 行已有）"
    MISSING_ENDPOINT = "引用的{label}「{id}」不存在"
    BAD_JSON = "不是合法的 JSON：{detail}"
    BAD_ENCODING = "文件编码无法识别（请保存为 UTF-8 或 GBK）：{detail}"
    BAD_FORMAT = "无法识别的文件格式「{value}」，支持 .jsonl / .json / .csv / .xlsx"
    BAD_HEADER = "表头缺少必需的列「{value}」"
    NOT_FOUND = "未找到{label}「{id}」"
    STORE_UNAVAILABLE = (
        "无法连接图数据库 {uri}：{detail}。请检查：Neo4j 是否已启动（make neo4j）、"
        "地址 KGMATCH_NEO4J_URI、用户名 KGMATCH_NEO4J_USER 与密码 KGMATCH_NEO4J_PASSWORD 是否正确。"
    )
    STORE_AUTH = (
        "图数据库 {uri} 拒绝了登录：请检查用户名 KGMATCH_NEO4J_USER 与密码 KGMATCH_NEO4J_PASSWORD。"
    )
    BAD_XLSX = "无法读取 Excel 文件（请另存为 .xlsx 工作簿）：{detail}"
    NEEDS_OPENPYXL = "读取 .xlsx 需要安装 openpyxl：.venv/bin/pip install openpyxl==3.1.5"
    UNKNOWN_KIND = "未知的数据类型「{value}」，可选：{choices}"
    MISSING_COLUMN = "表头缺少必需的列「{field}」（可用的列名：{accepted}）"
    SAME_COLUMN = "与「{other}」表示同一字段，请只填写其中一列"
    BAD_VALUE = "格式不正确：「{value}」{hint}"
    BAD_WEIGHT = "权重应为大于 0、不超过 1 的数字，实际为「{value}」"
    UNKNOWN_CODE = "未知的{what}「{value}」{hint}"
    AMBIGUOUS = "「{value}」有歧义，可能是：{choices}；{hint}"
    BAD_PARENT = "上级编码「{parent}」与本级编码「{code}」不一致"
    EXPERT_KEY = "不能为空：没有专家编号时，专家由姓名加工作单位（依托单位）识别"
    ID_OR_NUMBER = "不能为空：请填写编号（id）或项目批准号"
    STALE = "{label}「{id}」已被他人修改（读取时为第 {expected} 版，现为第 {actual} 版），本次操作未保存，请刷新后重试"
    STALE_MISSING = "{label}「{id}」不存在或已被删除，本次操作未保存"
    EXISTS = "{label}「{id}」已存在，本次操作未保存"
    ROWS_REJECTED = "共 {bad} 行数据有误未导入，{good} 行已导入；错误明细见 {path}"


@dataclass(frozen=True)
class RowError:
    """One problem in one input row: ``row`` is 1-based as a person counts (header excluded)."""

    row: int | None
    field: str
    reason: str

    def message(self) -> str:
        """The Chinese sentence for this problem, naming row and field."""
        if self.row is None:
            return Msg.FIELD.format(field=self.field, reason=self.reason)
        return Msg.ROW_FIELD.format(row=self.row, field=self.field, reason=self.reason)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON error bodies and error files."""
        return {"row": self.row, "field": self.field, "reason": self.reason, "message": self.message()}


class KgmatchError(Exception):
    """Root of every error kgmatch raises on purpose. ``status`` is the HTTP status."""

    status = 500

    def __init__(self, message: str, *, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: list[RowError] = list(errors or [])


class ValidationError(KgmatchError):
    """Input is wrong; nothing was written. ``errors`` names each row and field."""

    status = 400

    @classmethod
    def from_errors(cls, errors: list[RowError]) -> ValidationError:
        """Build one error whose message lists the first problems."""
        head = "；".join(e.message() for e in errors[:5])
        more = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
        return cls(head + more, errors=errors)


class NotFoundError(KgmatchError):
    """A node or resource that was asked for does not exist."""

    status = 404


class ConflictError(KgmatchError):
    """The request contradicts stored state (e.g. an invalid status transition)."""

    status = 409


class StoreUnavailableError(KgmatchError):
    """The graph database cannot be reached or refused us."""

    status = 503


class StoreError(KgmatchError):
    """The store failed while doing what was asked; nothing of that batch was kept."""

    status = 500
