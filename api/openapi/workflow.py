"""The workflow part of the OpenAPI document (pushes, inbox, dispatches, services, challenges,
vouchers, feedback, deliveries), merged into :func:`api.openapi.build_openapi`.

Records are a workflow node's properties with its ``id`` (the internal ``version`` guard is
not sent); properties a record has only after a later step (``answered_at``, ``rating`` …)
are absent until then, never null. Bodies refuse unknown fields, as the views do
(:class:`api.json.workflow.Body`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.auth import Permission
from api.openapi.schema import BOOL, INT, NUM, STR, STRS, json_content, obj, operation, page_of, parameter, schema_ref
from api.settings import defaults
from graph.model import Label
from ingest.registry import REGISTRY_CHOICES
from workflow.challenge import ACTIONS, STAMPS
from workflow.challenge import PAYLOAD_KEYS as CHALLENGE_PAYLOAD
from workflow.dispatch import MAX_HOURS, PROVIDER_LABELS
from workflow.outbox import DELIVERY_STATUSES, EVENTS
from workflow.push import MAX_PUSHES, MAX_REMIND_HOURS, MIN_REMIND_HOURS, PUSH_LABELS, SOLVER_LABELS
from workflow.push import PAYLOAD_KEYS as PUSH_PAYLOAD
from workflow.states import (
    ALL_SERVICE_TYPES,
    CHALLENGE,
    CHANNELS,
    COOPERATION_FORMS,
    DISPATCH,
    PUSH,
    SERVICE_MODES,
    VERDICTS,
    VOUCHER,
)
from workflow.vouchers import HOLDER_LABELS, MAX_AMOUNT

__all__ = ["WORKFLOW_TAGS", "REGISTRY_PARAM_HELP", "workflow_operations", "workflow_schemas", "workflow_webhooks"]

WORKFLOW_TAGS: tuple[str, ...] = ("推送", "科技专员", "揭榜", "创新券", "推荐反馈", "投递日志")
_PUSH, _DISPATCH, _CHALLENGE, _VOUCHER, _FEEDBACK, _DELIVERY = WORKFLOW_TAGS

_SOLVERS = [x.value for x in SOLVER_LABELS]
_PUSHED = [x.value for x in PUSH_LABELS]
_PROVIDERS = [x.value for x in PROVIDER_LABELS]
_HOLDERS = [x.value for x in HOLDER_LABELS]


REGISTRY_PARAM_HELP = ("发布需求的企业今日有效的资质：" + "、".join(REGISTRY_CHOICES)
                       + "；逗号分隔表示或（issue 16：企业资质来自导入的高企、科技型中小企业、专精特新名单）")


def _enum(values: Any, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema


def _date(description: str) -> dict[str, Any]:
    return {"type": "string", "description": f"{description}（YYYY-MM-DD）"}


def _time(description: str) -> dict[str, Any]:
    return {"type": "string", "description": f"{description}（ISO 8601，北京时间，如 2026-11-27T17:30:00+08:00）"}


def _record(always: Mapping[str, Any], later: Mapping[str, Any], description: str) -> dict[str, Any]:
    """A record schema: ``always`` present, ``later`` present once the step that sets them happened."""
    return {**obj({**always, **later}, required=list(always)), "description": description}


def _input(props: Mapping[str, Any], required: list[str], description: str = "") -> dict[str, Any]:
    schema = obj(props, required=required)
    if description:
        schema["description"] = description
    return schema


_TEXT = {"type": "string", "minLength": 1, "pattern": "\\S", "description": "不能为空"}
"""A required text the server refuses when empty or blank (the document says so too)."""


def _ref_input(labels: list[str], description: str) -> dict[str, Any]:
    return {**obj({"label": _enum(labels), "id": _TEXT}), "description": description}


def workflow_schemas() -> dict[str, Any]:
    """Component schemas of the workflow endpoints."""
    push = _record({
        "id": {"type": "string", "description": "push:<需求编号>:<expert|team|platform>:<专家、团队或平台编号>"},
        "status": _enum(PUSH.states), "created_at": _time("推送时间"), "demand_id": STR, "demand_title": STR,
        "target_label": _enum(_PUSHED), "target_id": STR, "target_name": STR, "channel": _enum(CHANNELS),
        "actor": {"type": "string", "description": "推送人（登录用户或 API 密钥名）"}, "note": STR,
        "source": {"type": "string", "description": "recommendation：按单条需求的推荐推送；list：按需求清单推送"},
        "batch_id": STR, "reminders": {"type": "integer", "minimum": 0, "description": "已提醒次数"}},
        {"score": {**NUM, "description": "推送时的推荐得分"}, "answered_at": _time("回复时间"),
         "reason": {"type": "string", "description": "谢绝理由（接受时可选）"}, "responder": STR,
         "last_reminded_at": _time("最近提醒时间")},
        "需求推送")
    dispatch = _record({
        "id": STR, "service_type": _enum(ALL_SERVICE_TYPES, "第一项服务类型"),
        "service_types": {"type": "array", "items": _enum(ALL_SERVICE_TYPES)}, "start_date": _date("派驻开始"),
        "end_date": _date("派驻结束"), "status": _enum(DISPATCH.states), "created_at": _time("创建时间"),
        "actor": STR, "note": STR, "enterprise_id": STR, "enterprise_name": STR},
        {"provider_label": _enum(_PROVIDERS, "服务提供方类型：专家或服务平台"), "provider_id": STR,
         "provider_name": STR, "expert_id": STR, "expert_name": STR, "platform_id": STR, "platform_name": STR,
         "demand_id": STR, "demand_title": STR, "ended_at": _time("结束时间"), "ended_by": STR,
         "service_mode": _enum(SERVICE_MODES, "服务方式（可选）")},
        "科技专员派驻")
    service = _record({
        "id": STR, "service_type": _enum(ALL_SERVICE_TYPES), "date": _date("服务日期"),
        "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS}, "content": STR, "outcome": STR,
        "solved": {**BOOL, "description": "是否解决了派驻关联的需求（需求随之标记为已解决）"},
        "created_at": _time("记录时间"), "actor": STR, "dispatch_id": STR,
        "enterprise_id": STR, "enterprise_name": STR},
        {"provider_label": _enum(_PROVIDERS, "服务提供方类型：专家或服务平台"), "provider_id": STR,
         "provider_name": STR, "expert_id": STR, "expert_name": STR, "platform_id": STR, "platform_name": STR,
         "demand_id": STR, "rating": {"type": "integer", "minimum": 1, "maximum": 5}, "rating_comment": STR,
         "cooperation_form": _enum(COOPERATION_FORMS, "合作形式（可选）"),
         "service_mode": _enum(SERVICE_MODES, "所属派驻的服务方式"),
         "rated_at": _time("评价时间"), "rated_by": STR,
         "redeemed_by": {"type": "string", "description": "兑付该服务记录的创新券编号"}, "redeemed_amount": NUM,
         "redeemed_at": _time("兑付时间")},
        "服务记录")
    challenge = _record({
        "id": {"type": "string", "description": "ch:<需求编号>（每条需求最多一个榜单）"}, "title": STR,
        "status": _enum(CHALLENGE.states), "created_at": _time("发布时间"), "conditions": STR,
        "deadline": _date("揭榜截止"), "reward_wan": {"type": "number", "minimum": 0, "description": "奖励（万元）"},
        "actor": STR, "demand_id": STR,
        "history": {**STRS, "description": "状态变更记录：时间 状态 操作人 理由"}},
        {"enterprise_id": STR, "winner_bid": STR, "winner_label": _enum(_SOLVERS), "winner_id": STR,
         "winner_name": STR, "closed_reason": STR,
         "activity_id": {"type": "string", "description": "发起本榜单的创新活动（由活动发起时）"}, "activity_title": STR,
         **{stamp: _time(f"进入「{state}」的时间") for state, stamp in STAMPS.items()}},
        "揭榜榜单")
    bid = _record({
        "id": STR, "status": _enum(["已提交", "已中选", "未中选"]), "created_at": _time("提交时间"),
        "proposal": STR, "challenge_id": STR, "bidder_label": _enum(_SOLVERS), "bidder_id": STR,
        "bidder_name": STR, "actor": STR}, {}, "揭榜方案")
    voucher = _record({
        "id": STR, "amount": {"type": "number", "description": "面额（元）"},
        "balance": {"type": "number", "minimum": 0, "description": "余额（元）"}, "status": _enum(VOUCHER.states),
        "valid_until": _date("有效期至"), "created_at": _time("发放时间"), "actor": STR, "programme": STR,
        "note": STR, "holder_label": _enum(_HOLDERS), "holder_id": STR, "holder_name": STR},
        {"voided_at": _time("作废时间"), "voided_by": STR, "void_reason": STR},
        "科技创新券")
    redemption = obj({"service_id": STR, "service_type": _enum(ALL_SERVICE_TYPES), "date": _date("服务日期"),
                       "amount": NUM, "at": _time("兑付时间"), "actor": STR})
    feedback = _record({
        "id": STR, "verdict": _enum(VERDICTS), "reason": STR, "created_at": _time("反馈时间"), "actor": STR,
        "demand_id": STR, "demand_title": STR, "target_label": _enum(_SOLVERS), "target_id": STR,
        "target_name": STR},
        {"rank": {**INT, "description": "推荐时的名次"}, "score": {**NUM, "description": "推荐时的得分"}},
        "推荐反馈")
    delivery = _record({
        "id": STR, "event": _enum(EVENTS, "；".join(f"{k}：{v}" for k, v in EVENTS.items())),
        "status": _enum(DELIVERY_STATUSES), "created_at": _time("创建时间"),
        "payload": {"type": "string", "description": "发送给门户的 JSON 请求体（原样）"},
        "subject_label": _enum([Label.PUSH.value, Label.CHALLENGE.value]), "subject_id": STR,
        "attempts": {"type": "integer", "minimum": 0}, "next_attempt_at": _time("下次投递时间")},
        {"claimed_until": _time("正在投递，占用至"), "log": {**STRS, "description": "最近的投递记录"},
         "last_attempt_at": _time("最近投递时间"), "response_status": INT, "delivered_at": _time("投递成功时间"),
         "last_error": STR},
        "webhook 投递记录")
    push_result = obj({"batch_id": STR, "created": {"type": "array", "items": schema_ref("PushRecord")},
                        "already_pushed": {**STRS, "description": "此前已推送过、本次跳过的推送编号"}})
    return {
        "PushRecord": push, "DispatchRecord": dispatch, "ServiceRecord": service, "ChallengeRecord": challenge,
        "BidRecord": bid, "VoucherRecord": voucher, "Redemption": redemption, "FeedbackRecord": feedback,
        "DeliveryRecord": delivery,
        "PushResult": push_result,
        "ListPushResult": obj({
            **push_result["properties"],
            "demand_ids": {**STRS, "description": "本次推送的需求编号"},
            "skipped": {**STRS, "description": "符合筛选条件但已解决或已关闭、未推送的需求编号"}}),
        "DispatchDetail": obj({**dispatch["properties"], "services": {"type": "array", "items": schema_ref("ServiceRecord")}},
                               required=[*dispatch["required"], "services"]),
        "ChallengeDetail": obj({**challenge["properties"], "bids": {"type": "array", "items": schema_ref("BidRecord")}},
                                required=[*challenge["required"], "bids"]),
        "VoucherDetail": obj({**voucher["properties"],
                               "redemptions": {"type": "array", "items": schema_ref("Redemption")}},
                              required=[*voucher["required"], "redemptions"]),
        "Reminders": obj({"after_hours": NUM, "reminded": {**STRS, "description": "本次提醒的推送编号"}}),
        **_inputs(),
    }


def _inputs() -> dict[str, dict[str, Any]]:
    """The request bodies, by component name."""
    target = _ref_input(_PUSHED, "专家（Expert）、专家团队（Team）或服务平台（Platform）")
    targets = {"type": "array", "items": target, "minItems": 1, "maxItems": MAX_PUSHES}
    channel = {**_enum(CHANNELS, "推送渠道"), "default": CHANNELS[0]}
    text_or_list = {"type": ["string", "array"], "items": STR}
    return {
        "PushInput": _input({"targets": targets, "channel": channel, "note": STR,
                        "scores": {"type": "object", "additionalProperties": NUM,
                                   "description": "专家或团队编号 → 推荐得分（记入推送，可选）"}}, ["targets"]),
        "ListPushInput": _input({
            "demand_ids": {**STRS, "minItems": 1, "maxItems": MAX_PUSHES},
            "filters": {**obj({"field": text_or_list, "industry": text_or_list, "region": text_or_list,
                                "status": STR, "registry": {**text_or_list, "description": REGISTRY_PARAM_HELP}},
                              required=[]),
                        "description": "与 GET /api/v1/demands 相同的筛选：编号、代码或名称，含下级；逗号分隔表示或"},
            "targets": targets, "channel": channel, "note": STR}, ["targets"],
            f"demand_ids 与 filters 二选一；需求数 × 专家或团队数不超过 {MAX_PUSHES}。"),
        "PushAnswer": _input({"accept": BOOL, "reason": {"type": "string", "description": "谢绝时必填"},
                           "expert_id": {"type": "string", "description": "代其回复的专家编号；给出时核对推送确属该专家"
                                                                          "（直接推送或其所在团队）"}}, ["accept"]),
        "RemindInput": _input({"after_hours": {"type": "number", "minimum": MIN_REMIND_HOURS, "maximum": MAX_REMIND_HOURS,
                                          "description": "推送（或上次提醒）后多少小时仍未回复即提醒；"
                                                         "默认取设置 KGMATCH_PUSH_REMIND_HOURS"}}, []),
        "DispatchInput": _input({"expert_id": _TEXT, "platform_id": _TEXT, "enterprise_id": _TEXT, "demand_id": STR,
                            "start_date": _date("派驻开始"), "end_date": _date("派驻结束"),
                            "service_types": {"type": "array", "items": _enum(ALL_SERVICE_TYPES), "minItems": 1},
                            "note": STR, "service_mode": _enum(SERVICE_MODES, "服务方式（可选）：兼职创新、长期派驻、短期合作")},
                           ["enterprise_id", "start_date", "end_date", "service_types"],
                           "expert_id（派驻科技专员）与 platform_id（由服务平台提供服务）二选一。"),
        "ServiceInput": _input({"date": _date("服务日期，须在派驻期内"),
                           "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS},
                           "service_type": _enum(ALL_SERVICE_TYPES), "content": _TEXT, "outcome": STR,
                           "solved": {"type": "boolean", "default": False,
                                      "description": "需求已解决（派驻须关联需求）"},
                           "cooperation_form": _enum(COOPERATION_FORMS, "服务成效达成的合作形式（可选）："
                                                                        "共建新型研发机构、联合实验室、合作开发项目")},
                          ["date", "hours", "service_type", "content"]),
        "RatingInput": _input({"rating": {"type": "integer", "minimum": 1, "maximum": 5}, "comment": STR}, ["rating"]),
        "ChallengeInput": _input({"conditions": {**_TEXT, "description": "揭榜条件"},
                             "deadline": _date("揭榜截止，不早于今天"),
                             "reward_wan": {"type": "number", "minimum": 0, "description": "奖励（万元）"},
                             "title": {"type": "string", "description": "榜单标题；不填用需求标题"}},
                            ["conditions", "deadline", "reward_wan"]),
        "BidInput": _input({"bidder": target, "proposal": _TEXT}, ["bidder", "proposal"]),
        "SelectBid": _input({"bid_id": _TEXT}, ["bid_id"]),
        "ChallengeMove": _input({"status": _enum(ACTIONS, "目标状态（已揭榜请用 select）"),
                          "reason": {"type": "string", "description": "关闭时必填"}}, ["status"]),
        "VoucherInput": _input({"holder": _ref_input(_HOLDERS, "企业（Enterprise）或专家（Expert）"),
                           "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_AMOUNT,
                                      "description": "面额（元）"},
                           "valid_until": _date("有效期至，不早于今天"),
                           "programme": {"type": "string", "default": "科技创新券"}, "note": STR},
                          ["holder", "amount", "valid_until"]),
        "RedemptionInput": _input({"service_id": _TEXT, "amount": {"type": "number", "exclusiveMinimum": 0,
                                                         "maximum": MAX_AMOUNT,
                                                         "description": "兑付金额（元），不超过余额"}},
                         ["service_id", "amount"]),
        "VoidInput": _input({"reason": _TEXT}, ["reason"]),
        "FeedbackInput": _input({"target": target, "verdict": _enum(VERDICTS),
                            "reason": {"type": "string", "description": "不采纳时必填"},
                            "rank": {**INT, "description": "推荐名次（可选）"},
                            "score": {**NUM, "description": "推荐得分（可选）"}}, ["target", "verdict"]),
        "Empty": _input({}, [], "空对象 {}"),
    }


def workflow_operations(config: Mapping[str, Any], paging: list[dict[str, Any]]) -> dict[str, Any]:
    """Path → method → operation for the workflow endpoints."""
    hours = config.get("KGMATCH_PUSH_REMIND_HOURS", defaults()["KGMATCH_PUSH_REMIND_HOURS"])
    P = Permission
    read = P.WORKFLOW_READ

    def q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        return parameter(name, "query", schema or STR, description)

    def path(name: str, description: str) -> dict[str, Any]:
        return parameter(name, "path", STR, description)

    def page(item: str, description: str) -> dict[str, Any]:
        return json_content(page_of(schema_ref(item)), description)

    demand = path("demand_id", "需求编号，如 demand:00001")
    push_id = path("push_id", "推送编号")
    dispatch_id = path("dispatch_id", "派驻编号")
    challenge_id = path("challenge_id", "榜单编号，如 ch:demand:00001")
    voucher_id = path("voucher_id", "创新券编号")
    by_status = {"push": q("status", "推送状态", _enum(PUSH.states)),
                 "dispatch": q("status", "派驻状态", _enum(DISPATCH.states)),
                 "challenge": q("status", "榜单状态", _enum(CHALLENGE.states)),
                 "voucher": q("status", "创新券状态", _enum(VOUCHER.states)),
                 "delivery": q("status", "投递状态", _enum(DELIVERY_STATUSES))}
    pushed = {**json_content(schema_ref("PushResult"), "已推送（created 为新建的推送）"),
              "description": "已推送：新建了推送（created 非空）时 201，全部此前已推送过时 200"}
    list_pushed = {**json_content(schema_ref("ListPushResult"), "已推送")}
    return {
        "/api/v1/demands/{demand_id}/pushes": {
            "post": _with_200(operation(
                "workflow.push_demand", P.PUSH_WRITE, _PUSH, "把需求推送给专家或团队", pushed, status="201",
                params=[demand], body=schema_ref("PushInput"), errors=("400", "404", "409"),
                description="同一需求推送给同一专家或团队只记录一次（再次推送列入 already_pushed）；"
                            "待对接的需求随之变为对接中；每条新推送排入 push.created webhook 事件。")),
            "get": operation("workflow.demand_pushes", read, _PUSH, "某需求的推送记录（按时间）",
                       page("PushRecord", "推送分页列表，按推送时间排序"), params=[demand, *paging], errors=("400", "404"))},
        "/api/v1/pushes": {
            "post": _with_200(operation(
                "workflow.push_list", P.PUSH_WRITE, _PUSH, "按需求清单推送（需求编号列表或筛选条件）", list_pushed,
                status="201", body=schema_ref("ListPushInput"), errors=("400", "404", "409"),
                description="按筛选条件选出的需求中，已解决或已关闭的跳过（列入 skipped）；"
                            "按编号给出的需求若已解决或已关闭则 409。")),
            "get": operation("workflow.list_pushes", read, _PUSH, "推送列表（可筛选、分页）",
                       page("PushRecord", "推送分页列表，按编号排序"),
                       params=[by_status["push"], q("demand_id", "需求编号"), q("target_id", "专家或团队编号"),
                               q("batch_id", "推送批次"), *paging])},
        "/api/v1/pushes/reminders": {"post": operation(
            "workflow.remind_pushes", P.PUSH_WRITE, _PUSH, "提醒超时未回复的推送", json_content(schema_ref("Reminders"), "已提醒"),
            body=schema_ref("RemindInput"),
            description=f"after_hours 默认取设置 KGMATCH_PUSH_REMIND_HOURS（{hours} 小时）；"
                        "每次提醒排入 push.reminder webhook 事件。")},
        "/api/v1/pushes/{push_id}/response": {"post": operation(
            "workflow.respond_push", P.PORTAL_ACT, _PUSH, "专家接受或谢绝推送", json_content(schema_ref("PushRecord"), "回复后的推送"),
            params=[push_id], body=schema_ref("PushAnswer"), errors=("400", "404", "409"),
            description="谢绝须填写理由；已回复的推送不能再回复（409）。")},
        "/api/v1/experts/{expert_id}/inbox": {"get": operation(
            "workflow.expert_inbox", read, _PUSH, "专家收到的推送（含其所在团队收到的）",
            page("PushRecord", "推送分页列表，最新在前"),
            params=[path("expert_id", "专家编号"), by_status["push"], *paging], errors=("400", "404"))},
        "/api/v1/dispatches": {
            "post": operation("services.create_dispatch", P.DISPATCH_WRITE, _DISPATCH, "派驻科技专员或服务平台",
                        json_content(schema_ref("DispatchRecord"), "已派驻"), status="201", body=schema_ref("DispatchInput"),
                        errors=("400", "404", "409")),
            "get": operation("services.list_dispatches", read, _DISPATCH, "派驻列表（可筛选、分页）",
                       page("DispatchRecord", "派驻分页列表，按编号排序"),
                       params=[q("expert_id", "专家编号"), q("platform_id", "服务平台编号"), q("enterprise_id", "企业编号"),
                               q("demand_id", "需求编号"), by_status["dispatch"], q("service_mode", "服务方式：兼职创新、长期派驻、短期合作"),
                               *paging])},
        "/api/v1/dispatches/{dispatch_id}": {"get": operation(
            "services.get_dispatch", read, _DISPATCH, "派驻详情与服务记录", json_content(schema_ref("DispatchDetail"), "派驻"),
            params=[dispatch_id], errors=("400", "404"))},
        "/api/v1/dispatches/{dispatch_id}/end": {"post": operation(
            "services.end_dispatch", P.DISPATCH_WRITE, _DISPATCH, "结束派驻", json_content(schema_ref("DispatchRecord"), "已结束"),
            params=[dispatch_id], body=schema_ref("Empty"), errors=("400", "404", "409"))},
        "/api/v1/dispatches/{dispatch_id}/services": {"post": operation(
            "services.record_service", P.DISPATCH_WRITE, _DISPATCH, "记录一次服务", json_content(schema_ref("ServiceRecord"), "已记录"),
            status="201", params=[dispatch_id], body=schema_ref("ServiceInput"), errors=("400", "404", "409"),
            description="服务日期须在派驻期内，派驻结束后不能再记录（409）；solved 为 true 时关联需求标记为已解决。")},
        "/api/v1/services": {"get": operation(
            "services.list_services", read, _DISPATCH, "服务记录列表（可筛选、分页）",
            page("ServiceRecord", "服务记录分页列表，按编号排序"),
            params=[q("dispatch_id", "派驻编号"), q("expert_id", "专家编号"), q("platform_id", "服务平台编号"),
                    q("enterprise_id", "企业编号"),
                    q("demand_id", "需求编号"), q("service_mode", "服务方式：兼职创新、长期派驻、短期合作"),
                    q("cooperation_form", "合作形式：共建新型研发机构、联合实验室、合作开发项目"), *paging])},
        "/api/v1/services/{service_id}/rating": {"post": operation(
            "services.rate_service", P.PORTAL_ACT, _DISPATCH, "企业评价服务（1–5 分，仅一次）",
            json_content(schema_ref("ServiceRecord"), "评价后的服务记录"), params=[path("service_id", "服务记录编号")], body=schema_ref("RatingInput"),
            errors=("400", "404", "409"))},
        "/api/v1/demands/{demand_id}/challenge": {"post": operation(
            "challenges.publish", P.CHALLENGE_PUBLISH, _CHALLENGE, "把需求发布为揭榜榜单",
            json_content(schema_ref("ChallengeRecord"), "已发布（状态：发布）"), status="201", params=[demand], body=schema_ref("ChallengeInput"),
            errors=("400", "404", "409"),
            description="每条需求最多一个榜单；已解决或已关闭的需求不能发布。排入 challenge.published webhook 事件。")},
        "/api/v1/challenges": {"get": operation(
            "challenges.list_challenges", read, _CHALLENGE, "揭榜榜单列表（可筛选、分页）",
            page("ChallengeRecord", "榜单分页列表，按编号排序"),
            params=[by_status["challenge"], q("demand_id", "需求编号"), q("enterprise_id", "企业编号"), *paging])},
        "/api/v1/challenges/{challenge_id}": {"get": operation(
            "challenges.get_challenge", read, _CHALLENGE, "榜单详情与揭榜方案", json_content(schema_ref("ChallengeDetail"), "榜单"),
            params=[challenge_id], errors=("400", "404"))},
        "/api/v1/challenges/{challenge_id}/bids": {"post": operation(
            "challenges.submit_bid", P.PORTAL_ACT, _CHALLENGE, "专家或团队提交揭榜方案",
            json_content(schema_ref("BidRecord"), "已提交"), status="201", params=[challenge_id], body=schema_ref("BidInput"),
            errors=("400", "404", "409"),
            description="只有揭榜中、未过截止日期的榜单接受方案；每位专家或团队只能提交一次。")},
        "/api/v1/challenges/{challenge_id}/select": {"post": operation(
            "challenges.select_bid", P.CHALLENGE_MANAGE, _CHALLENGE, "确定揭榜方（揭榜中 → 已揭榜）",
            json_content(schema_ref("ChallengeDetail"), "已揭榜；其余方案为未中选"), params=[challenge_id], body=schema_ref("SelectBid"),
            errors=("400", "404", "409"))},
        "/api/v1/challenges/{challenge_id}/status": {"post": operation(
            "challenges.advance", P.CHALLENGE_MANAGE, _CHALLENGE, "推进榜单状态（开始揭榜、开始实施、验收完成、关闭）",
            json_content(schema_ref("ChallengeRecord"), "变更后的榜单"), params=[challenge_id], body=schema_ref("ChallengeMove"),
            errors=("400", "404", "409"),
            description="发布 → 揭榜中 → 已揭榜 → 实施中 → 已完成；完成前任何状态可关闭（须填理由）。"
                        "不允许的变更为 409，状态不变；已完成时需求标记为已解决。")},
        "/api/v1/vouchers": {
            "post": operation("vouchers.issue_voucher", P.VOUCHER_WRITE, _VOUCHER, "发放科技创新券",
                        json_content(schema_ref("VoucherRecord"), "已发放"), status="201", body=schema_ref("VoucherInput"), errors=("400", "404")),
            "get": operation("vouchers.list_vouchers", read, _VOUCHER, "创新券列表（可筛选、分页）",
                       page("VoucherRecord", "创新券分页列表，按编号排序"),
                       params=[q("holder_id", "持有企业或专家的编号"), q("holder_label", "持有人类型", _enum(_HOLDERS)),
                               by_status["voucher"], *paging])},
        "/api/v1/vouchers/{voucher_id}": {"get": operation(
            "vouchers.get_voucher", read, _VOUCHER, "创新券详情与兑付记录", json_content(schema_ref("VoucherDetail"), "创新券"),
            params=[voucher_id], errors=("400", "404"))},
        "/api/v1/vouchers/{voucher_id}/redemptions": {"post": operation(
            "vouchers.redeem", P.VOUCHER_WRITE, _VOUCHER, "用创新券兑付服务记录",
            json_content(schema_ref("VoucherDetail"), "兑付后的创新券"), status="201", params=[voucher_id], body=schema_ref("RedemptionInput"),
            errors=("400", "404", "409"),
            description="持有人须是服务记录的服务企业或服务专家；超出余额、重复兑付、已作废或过期为 409，余额不变。")},
        "/api/v1/vouchers/{voucher_id}/void": {"post": operation(
            "vouchers.void", P.VOUCHER_WRITE, _VOUCHER, "作废创新券", json_content(schema_ref("VoucherRecord"), "已作废"),
            params=[voucher_id], body=schema_ref("VoidInput"), errors=("400", "404", "409"))},
        "/api/v1/demands/{demand_id}/feedback": {
            "post": operation("workflow.give_feedback", P.FEEDBACK_WRITE, _FEEDBACK, "采纳或不采纳推荐的专家或团队",
                        json_content(schema_ref("FeedbackRecord"), "已记录"), status="201", params=[demand], body=schema_ref("FeedbackInput"),
                        errors=("400", "404"), description="不采纳须填写理由。"),
            "get": operation("workflow.demand_feedback", read, _FEEDBACK, "某需求的推荐反馈（最新在前）",
                       page("FeedbackRecord", "反馈分页列表"), params=[demand, *paging], errors=("400", "404"))},
        "/api/v1/feedback": {"get": operation(
            "workflow.list_feedback", read, _FEEDBACK, "全部推荐反馈（供导出与学习）",
            page("FeedbackRecord", "反馈分页列表，按编号排序"),
            params=[q("demand_id", "需求编号"), q("target_id", "专家或团队编号"), q("verdict", "采纳或不采纳",
                                                                             _enum(VERDICTS)), *paging])},
        "/api/v1/deliveries": {"get": operation(
            "workflow.list_deliveries", read, _DELIVERY, "webhook 投递日志", page("DeliveryRecord", "投递分页列表，按编号排序"),
            params=[by_status["delivery"], *paging])},
        "/api/v1/deliveries/{delivery_id}/retry": {"post": operation(
            "workflow.retry_delivery", P.PUSH_WRITE, _DELIVERY, "立即重新投递",
            json_content(schema_ref("DeliveryRecord"), "已安排在下一轮投递"), params=[path("delivery_id", "投递编号")], body=schema_ref("Empty"),
            errors=("400", "404", "409"), description="已投递或正在投递的为 409。")},
    }


def _with_200(op: dict[str, Any]) -> dict[str, Any]:
    """A create operation that answers 200 when it created nothing new (same body as its 201)."""
    op["responses"] = {"200": {**op["responses"]["201"], "description": "没有新建（全部此前已推送过）"},
                       **op["responses"]}
    return op


def workflow_webhooks() -> dict[str, Any]:
    """The OpenAPI 3.1 ``webhooks``: what kgmatch POSTs to ``KGMATCH_WEBHOOK_URL``, one entry per event."""
    numbers = {"reminders": INT, "reward_wan": NUM}
    push_data = obj({k: numbers.get(k, STR) for k in PUSH_PAYLOAD}, required=["id", "status", "demand_id"])
    challenge_data = obj({k: numbers.get(k, STR) for k in CHALLENGE_PAYLOAD}, required=["id", "status", "demand_id"])
    headers = {
        "X-Kgmatch-Delivery": "投递编号，门户据此去重（同一事件重发时不变）",
        "X-Kgmatch-Event": "事件类型",
        "X-Kgmatch-Signature": "sha256=<十六进制 HMAC-SHA256(请求体, KGMATCH_WEBHOOK_SECRET)>；未设置密钥时不发送",
    }
    hooks: dict[str, Any] = {}
    for event, zh in EVENTS.items():
        data = push_data if event.startswith("push.") else challenge_data
        body = obj({"id": STR, "event": {"type": "string", "const": event}, "created_at": STR, "data": data})
        hooks[event] = {"post": {
            "operationId": f"webhook.{event}", "tags": [_DELIVERY], "summary": f"事件 {event}：{zh}",
            "description": "kgmatch 向门户 POST 的事件（JSON，UTF-8）。门户返回 2xx 即视为已投递；其他响应或连接失败时"
                           "事件保持「待投递」，按指数退避重试（30 秒起，最长 10 分钟），不会丢失。",
            "parameters": [{"name": name, "in": "header", "required": name != "X-Kgmatch-Signature",
                            "schema": STR, "description": text} for name, text in headers.items()],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"2XX": {"description": "已收到（kgmatch 记为已投递）"},
                          "default": {"description": "未收到：kgmatch 稍后重发"}},
        }}
    return hooks
