"""Import the platform list an office keeps: ``kgmatch load FILE --kind platform`` (issue 16).

Providers are not only people: 公共技术服务平台 of the 国家高新区, 创新人才培养示范基地 at
universities and institutes, 中试基地, 检验检测中心 and 大型仪器共享平台 solve enterprises'
problems with services and equipment. One row is one platform (columns and accepted headers:
``ingest.mapping.KINDS["platform"]``, documented in the README):

* ``Platform`` {name, kind, level, zone, services, equipment, description, contact …};
* ``HOSTED_BY`` its host Institution (an existing one when the name resolves; created, with its
  region inferred from the name, when new — as experts' institutions are);
* ``LOCATED_IN`` its Region (given, else the host's region inferred from its name);
* ``SERVES_FIELD {weight, method}`` the 高新技术领域 it serves: the given codes (``method: input``),
  else the fields the supervised field linker finds in its name, services, equipment and
  description (``method: nlp``, 高新技术领域 only).

Bad rows (unknown kind, no services, an unknown region or field code, an id repeated in the file)
are reported in Chinese with row and column and not written; loading the same file again
changes nothing.
"""

from __future__ import annotations

from typing import Any

from graph.errors import Msg
from graph.model import PLATFORM_KINDS, Label, RelType
from ingest.builders import Builder, RowContext
from ingest.field_linking import understand_demand
from ingest.resolve import normalize_org

__all__ = ["PlatformBuilder", "platform_id", "platform_text", "search_keywords"]

_HT = "ht2016:"
_NLP_FIELDS = 3  # fields linked from a platform's text when the row names none


def platform_id(name: str) -> str:
    """The id of a platform known by name: ``platform:<名称>``."""
    return f"platform:{normalize_org(name)}"


def platform_text(rec: dict[str, Any]) -> str:
    """The text the field linker reads for a platform: name, services, equipment, description."""
    parts = [str(rec.get("name") or ""), "；".join(rec.get("services") or []), "；".join(rec.get("equipment") or []),
             str(rec.get("description") or "")]
    return "\n".join(p for p in parts if p)


def search_keywords(kind: str, rec: dict[str, Any]) -> str:
    """The ``keywords_text`` the full-text search reads (``GraphStore.search_nodes``): kind, host,
    services and equipment, space-separated (Neo4j's index reads strings, not lists).

    >>> search_keywords("检验检测中心", {"host": "浙江大学", "services": ["检验检测"], "equipment": ["扫描电镜"]})
    '检验检测中心 浙江大学 检验检测 扫描电镜'
    """
    parts = [kind, str(rec.get("host") or ""), *(rec.get("services") or []), *(rec.get("equipment") or [])]
    return " ".join(str(p).strip() for p in parts if str(p).strip())


class PlatformBuilder(Builder):
    """Rows of kind ``platform`` → Platform, HOSTED_BY Institution, LOCATED_IN Region, SERVES_FIELD Field."""

    kind = "platform"

    def build(self, ctx: RowContext, rec: dict[str, Any]) -> None:
        """One platform row."""
        ctx.require(rec, "name", "kind")
        if not rec.get("services") and "services" not in ctx.failed:
            ctx.fail("services", Msg.platforms.NO_SERVICES)
        kind = str(rec.get("kind") or "").strip()
        if kind and kind not in PLATFORM_KINDS:
            ctx.fail("kind", Msg.platforms.BAD_KIND.format(choices="、".join(PLATFORM_KINDS), value=kind))
        name = normalize_org(rec["name"]) if rec.get("name") else None
        pid = rec.get("id") or (platform_id(name) if name else None)
        self.claim(ctx, pid, "id" if rec.get("id") else "name")
        fields = self.fields(ctx, rec)
        host = normalize_org(rec["host"]) if rec.get("host") else None
        if host is not None and len(host) < 2:
            ctx.fail("host", Msg.platforms.BAD_HOST.format(value=rec["host"]))
            host = None
        if pid is None or name is None or ctx.errors:
            return
        method = "input"
        if not fields:
            understood = understand_demand(platform_text({**rec, "name": name}), keywords=rec.get("services") or [],
                                           known=lambda f: f.startswith(_HT) and self.resolver.has_field(f))
            fields, method = list(understood.fields)[:_NLP_FIELDS], "nlp"
        source = self.source_of(rec)
        ctx.node(Label.PLATFORM, {"id": pid, "name": name, "kind": kind, "host": host, **{k: rec.get(k) for k in (
            "zone", "level", "services", "equipment", "description", "contact", "phone", "email", "website")},
            "keywords_text": search_keywords(kind, rec), "source": source})
        hid = self.institution(ctx, host, source=source) if host else None
        if hid:
            ctx.rel(RelType.HOSTED_BY, Label.PLATFORM, pid, Label.INSTITUTION, hid)
        if rec.get("region") is not None:
            self.located_in(ctx, Label.PLATFORM, pid, rec)
        elif host:
            found = self.resolver.institution_region(host)
            if found:
                ctx.rel(RelType.LOCATED_IN, Label.PLATFORM, pid, Label.REGION, found[0], source=found[1])
        for fid, weight in fields:
            ctx.rel(RelType.SERVES_FIELD, Label.PLATFORM, pid, Label.FIELD, fid, weight=round(weight, 4), method=method)
