"""The workflow panel of a demand page (``_demand_workflow.html``): its pushes, feedback and challenge.

:func:`api.pages.demands.demand_detail` shows it; the forms it holds post to
:mod:`api.pages.workflow`, which shows the demand page again when one is refused. Kept apart
from both so that neither page module imports the other back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, request, url_for

from api.auth import Permission, may
from api.pages.forms import label_zh, node_row
from graph.model import Label
from graph.store import GraphStore, Node
from workflow.challenge import challenge_of_demand
from workflow.common import system_clock
from workflow.feedback import feedback_of_demand, latest_verdicts
from workflow.push import pushes_of_demand
from workflow.states import CHANNELS, DEMAND, PUSH, VERDICTS

__all__ = ["SOURCES", "demand_workflow", "push_row", "top_k_args"]

SOURCES = {"recommendation": "推荐结果", "list": "需求清单"}
"""Where a push came from (``source``), in Chinese."""

def top_k_args() -> dict[str, str]:
    """The demand page's ``top_k``, kept by its forms so the page comes back as it was."""
    return {"top_k": request.args["top_k"]} if request.args.get("top_k") else {}


# -- rows the templates show ----------------------------------------------------------------------------
def push_row(node: Node) -> dict[str, Any]:
    """A push as the templates show it (target type and source in Chinese, whether it awaits an answer)."""
    props = node.props
    return node_row(node, target_zh=label_zh(props.get("target_label")),
                    source_zh=SOURCES.get(str(props.get("source")), str(props.get("source") or "–")),
                    pending=props.get("status") == PUSH.initial)


# -- the demand page ------------------------------------------------------------------------------------
def demand_workflow(store: GraphStore, demand: Mapping[str, Any], rec: Mapping[str, Any] | None) -> dict[str, Any]:
    """What ``_demand_workflow.html`` shows on a demand page: ``{"wf": ...}`` (``None`` without workflow:read).

    The pushes of the demand, the feedback on its recommendations (the latest verdict per
    expert), its challenge, which forms the caller may use, and a refused form to show again.
    """
    if not may(Permission.WORKFLOW_READ):
        return {"wf": None}
    demand_id = str(demand["id"])
    pushes = [push_row(n) for n in pushes_of_demand(store, demand_id)]
    feedback = [node_row(n, target_zh=label_zh(n.props.get("target_label")))
                for n in feedback_of_demand(store, demand_id)]
    verdicts = {target_id: node_row(n) for (label, target_id), n in latest_verdicts(store, demand_id).items()
                if label == Label.EXPERT.value}
    pushed = {p["target_id"]: p for p in pushes if p.get("target_label") == Label.EXPERT.value}
    challenge = challenge_of_demand(store, demand_id)
    open_demand = not DEMAND.final(str(demand.get("status") or DEMAND.initial))
    has_picks = bool(rec and (rec.get("experts") or rec.get("teams")))
    args = top_k_args()
    return {"wf": {
        "pushes": pushes, "feedback": feedback, "verdicts": verdicts, "pushed": pushed,
        "challenge": node_row(challenge) if challenge else None,
        "can_push": may(Permission.PUSH_WRITE) and open_demand and has_picks,
        "can_feedback": may(Permission.FEEDBACK_WRITE) and bool(rec and rec.get("experts")),
        "can_publish": may(Permission.CHALLENGE_PUBLISH) and challenge is None and open_demand,
        "channels": CHANNELS, "verdict_choices": VERDICTS,
        "urls": {"push": url_for("pages_workflow.push_recommended", **args),
                 "feedback": url_for("pages_workflow.give_feedback", **args),
                 "publish": url_for("pages_workflow.publish")},
        "form": g.get("wf_form"), "today": system_clock().date().isoformat(),
    }}
