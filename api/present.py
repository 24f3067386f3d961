"""How nodes are shown to callers of the JSON API and the pages: node JSON, demands with their links,
contact fields masked unless the caller may read them, and every unmasked view audited."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import request

from api.auth import Permission, current_principal, may
from api.state import app_state
from graph.model import Label, RelType
from graph.store import Direction, GraphStore, Node, NodeRef

__all__ = [
    "CONTACT_FIELDS",
    "DEMAND_PROPERTIES",
    "mask_phone",
    "mask_email",
    "present_props",
    "audit_contacts",
    "present_nodes",
    "ref_json",
    "demands_json",
]

log = logging.getLogger(__name__)

CONTACT_FIELDS = ("phone", "email")
"""Properties shown masked unless the caller has ``contact:read`` (every unmasked view is audited)."""


def mask_phone(value: str) -> str:
    """Keep the first three and last four characters of a phone number.

    >>> mask_phone("13800000001")
    '138****0001'
    >>> mask_phone("12345")
    '****'
    """
    text = str(value).strip()
    return f"{text[:3]}****{text[-4:]}" if len(text) >= 8 else "****"


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain.

    >>> mask_email("zhang.wei@example.com")
    'z***@example.com'
    >>> mask_email("not-an-email")
    '****'
    """
    local, at, domain = str(value).strip().partition("@")
    return f"{local[:1]}***@{domain}" if at and local and domain else "****"


_MASKS = {"phone": mask_phone, "email": mask_email}


DEMAND_PROPERTIES = ("title", "description", "status", "posted", "deadline", "budget_wan", "keywords", "contact",
                     "phone", "email", "source")
"""The demand properties the API returns (those the importer writes)."""


def present_props(props: Mapping[str, Any], *, reveal: bool) -> tuple[dict[str, Any], list[str]]:
    """The properties to send, contact fields masked unless ``reveal``; and which contact fields
    were sent unmasked."""
    out = dict(props)
    shown = []
    for name in CONTACT_FIELDS:
        value = out.get(name)
        if value in (None, ""):
            continue
        if reveal:
            shown.append(name)
        else:
            out[name] = _MASKS[name](value)
    return out, shown


def audit_contacts(viewed: Sequence[tuple[Node, list[str]]]) -> None:
    """Record each node whose contact fields this response shows unmasked."""
    principal = current_principal()
    events = [{"action": "contact.view", "actor": principal.name if principal else None,
               "actor_kind": principal.kind if principal else None,
               "role": principal.role.value if principal else None, "label": node.label.value, "id": node.id,
               "fields": fields, "method": request.method, "path": request.path, "ip": request.remote_addr}
              for node, fields in viewed if fields]
    if events:
        app_state().audit.append(events)
        log.info("audit: %d unmasked contact views by %s", len(events), events[0]["actor"])


def present_nodes(nodes: Sequence[Node]) -> list[dict[str, Any]]:
    """Nodes as JSON (``label``, ``id``, ``name``, ``props``, ``masked``), contacts masked or audited."""
    reveal = may(Permission.CONTACT_READ)
    out, viewed = [], []
    for node in nodes:
        props, shown = present_props(node.props, reveal=reveal)
        viewed.append((node, shown))
        masked = not reveal and any(node.props.get(f) not in (None, "") for f in CONTACT_FIELDS)
        out.append({"label": node.label.value, "id": node.id, "name": node.name, "props": props, "masked": masked})
    audit_contacts(viewed)
    return out


def ref_json(node: Node) -> dict[str, str]:
    """A short reference to a node: id and name."""
    return {"id": node.id, "name": node.name}


def demands_json(store: GraphStore, nodes: Sequence[Node], *, reveal: bool) -> list[dict[str, Any]]:
    """Demands with their enterprise, fields, industries and regions (two bulk reads)."""
    refs = [n.ref for n in nodes]
    links: dict[NodeRef, dict[str, list[Any]]] = {r: {"fields": [], "industries": [], "regions": [], "ent": []}
                                                    for r in refs}
    outgoing = store.expand(refs, direction=Direction.OUT,
                            rel_types=[RelType.NEEDS, RelType.IN_INDUSTRY, RelType.LOCATED_IN])
    for ref, nb in outgoing:
        if nb.rel.type is RelType.NEEDS:
            links[ref]["fields"].append({**ref_json(nb.node), "weight": float(nb.rel.props.get("weight", 1.0))})
        else:
            links[ref]["industries" if nb.rel.type is RelType.IN_INDUSTRY else "regions"].append(ref_json(nb.node))
    for ref, nb in store.expand(refs, direction=Direction.IN, rel_types=[RelType.POSTED], labels=[Label.ENTERPRISE]):
        links[ref]["ent"].append(ref_json(nb.node))
    out, viewed = [], []
    for node in nodes:
        props, shown = present_props({k: node.props.get(k) for k in DEMAND_PROPERTIES}, reveal=reveal)
        viewed.append((node, shown))
        link = links[node.ref]
        ents = sorted(link["ent"], key=lambda e: e["id"])
        out.append({"id": node.id, **props, "enterprise": ents[0] if ents else None,
                    "fields": sorted(link["fields"], key=lambda f: (-f["weight"], f["id"])),
                    "industries": sorted(link["industries"], key=lambda x: x["id"]),
                    "regions": sorted(link["regions"], key=lambda x: x["id"])})
    audit_contacts(viewed)
    return out
