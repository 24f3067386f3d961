"""科技创新券: vouchers issued to an enterprise or an individual researcher, redeemed against service records.

A redemption writes the voucher's new balance, the service record's ``redeemed_*``
properties and a ``REDEEMED_FOR`` relationship in one batch guarded by both nodes'
versions: the balance never goes negative, and a service record is never paid twice,
even by two officers at the same moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graph.errors import Msg
from graph.model import Label, RelType
from graph.store import Batch, Direction, GraphStore, Node, NodeRef
from workflow.common import (
    conflict,
    field_error,
    iso,
    load_versioned,
    new_id,
    parse_date,
    require_node,
    system_clock,
)
from workflow.states import VOUCHER

__all__ = ["issue_voucher", "redeem_voucher", "void_voucher", "redemptions_of", "HOLDER_LABELS", "MAX_AMOUNT"]

VALID, USED_UP, VOID = VOUCHER.states
HOLDER_LABELS = (Label.ENTERPRISE, Label.EXPERT)
MAX_AMOUNT = 10_000_000.0
"""No voucher is worth more than ten million yuan (a typo guard)."""


def _amount(value: Any, field: str) -> float:
    try:
        amount = round(float(value), 2)
    except (TypeError, ValueError):
        raise field_error(field, Msg.workflow.BAD_NUMBER.format(what="金额（元）", value=value)) from None
    if not 0 < amount <= MAX_AMOUNT:
        raise field_error(field, Msg.workflow.BAD_NUMBER.format(what=f"大于 0、不超过 {MAX_AMOUNT:,.0f} 元的金额",
                                                         value=value))
    return amount


def issue_voucher(store: GraphStore, holder: NodeRef, *, amount: Any, valid_until: str, actor: str,
                  programme: str = "科技创新券", note: str = "", now: datetime | None = None) -> Node:
    """Issue a voucher worth ``amount`` yuan to an enterprise or an expert (individual researcher)."""
    now = now or system_clock()
    if holder.label not in HOLDER_LABELS:
        raise field_error("holder", Msg.workflow.BAD_CHOICE.format(choices="企业、专家", value=holder.label.value))
    who = require_node(store, holder.label, holder.id)
    value = _amount(amount, "amount")
    until = parse_date(valid_until, "valid_until")
    if until < iso(now)[:10]:
        raise field_error("valid_until", f"有效期 {until} 已过")
    vid = new_id("vch")
    row = {"id": vid, "amount": value, "balance": value, "status": VALID, "version": 1, "valid_until": until,
           "created_at": iso(now), "actor": actor, "programme": programme.strip() or "科技创新券",
           "note": note.strip(), "holder_label": holder.label.value, "holder_id": holder.id, "holder_name": who.name}
    store.write(Batch().add_nodes(Label.VOUCHER, [row])
                .add_rels(RelType.ISSUED_TO, Label.VOUCHER, holder.label, [{"start": vid, "end": holder.id}]))
    return require_node(store, Label.VOUCHER, vid)


def redeem_voucher(store: GraphStore, voucher_id: str, service_id: str, *, amount: Any, actor: str,
                   now: datetime | None = None) -> Node:
    """Pay ``amount`` of a service record with a voucher; the voucher after it.

    Raises:
        ConflictError: over the balance, the service already paid, the voucher void, used up,
            expired, or held by someone who is not a party to the service; or a concurrent change.
        ValidationError: an amount that is not a positive number.
    """
    now = now or system_clock()
    pay = _amount(amount, "amount")
    voucher = load_versioned(store, Label.VOUCHER, voucher_id)
    service = load_versioned(store, Label.SERVICE, service_id)
    v, s = voucher.props, service.props
    if s.get("redeemed_by"):
        raise conflict(Msg.workflow.VOUCHER_TWICE.format(service=service_id, voucher=s["redeemed_by"],
                                                  at=s.get("redeemed_at")))
    if v.get("status") != VALID:
        raise conflict(Msg.workflow.VOUCHER_STATUS.format(id=voucher_id, status=v.get("status")))
    if iso(now)[:10] > str(v.get("valid_until")):
        raise conflict(Msg.workflow.VOUCHER_EXPIRED.format(id=voucher_id, until=v.get("valid_until")))
    parties = {(Label.ENTERPRISE.value, s.get("enterprise_id")), (Label.EXPERT.value, s.get("expert_id"))}
    if (v.get("holder_label"), v.get("holder_id")) not in parties:
        raise conflict(Msg.workflow.VOUCHER_HOLDER.format(id=voucher_id, holder=v.get("holder_name"), service=service_id))
    balance = round(float(v["balance"]), 2)
    if pay > balance:
        raise conflict(Msg.workflow.VOUCHER_OVER.format(id=voucher_id, balance=balance, amount=pay))
    left = round(balance - pay, 2)
    at = iso(now)
    batch = Batch(expect=[voucher.expect, service.expect])
    batch.add_nodes(Label.VOUCHER, [voucher.updated(balance=left, status=USED_UP if left == 0 else VALID)])
    batch.add_nodes(Label.SERVICE, [service.updated(redeemed_by=voucher_id, redeemed_amount=pay, redeemed_at=at)])
    batch.add_rels(RelType.REDEEMED_FOR, Label.VOUCHER, Label.SERVICE,
                   [{"start": voucher_id, "end": service_id, "amount": pay, "at": at, "actor": actor}])
    store.write(batch)
    return require_node(store, Label.VOUCHER, voucher_id)


def void_voucher(store: GraphStore, voucher_id: str, *, reason: str, actor: str,
                 now: datetime | None = None) -> Node:
    """Void a voucher (有效 → 已作废) with a reason; its balance can no longer be redeemed."""
    now = now or system_clock()
    if not reason.strip():
        raise field_error("reason", "作废必须填写理由")
    voucher = load_versioned(store, Label.VOUCHER, voucher_id)
    VOUCHER.check(voucher_id, str(voucher.props.get("status")), VOID, "作废")
    store.write(Batch(expect=[voucher.expect]).add_nodes(Label.VOUCHER, [voucher.updated(
        status=VOID, voided_at=iso(now), voided_by=actor, void_reason=reason.strip())]))
    return require_node(store, Label.VOUCHER, voucher_id)


def redemptions_of(store: GraphStore, voucher_id: str) -> list[dict[str, Any]]:
    """The voucher's redemptions: service id, amount, time, by date."""
    rows = [{"service_id": nb.node.id, "service_type": nb.node.props.get("service_type"),
             "date": nb.node.props.get("date"), **dict(nb.rel.props)}
            for nb in store.neighbors(Label.VOUCHER, voucher_id, direction=Direction.OUT,
                                      rel_types=[RelType.REDEEMED_FOR])]
    return sorted(rows, key=lambda r: (str(r.get("at")), r["service_id"]))
