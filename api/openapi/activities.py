"""The activities part of the OpenAPI document (创新活动与培训), merged into :func:`api.openapi.build_openapi`."""

from __future__ import annotations

from typing import Any

from analytics.activities import ACTIVITY_REPORT_BY, PERIODS
from api.auth import Permission
from api.openapi.schema import (
    BOOL,
    INT,
    NUM,
    STR,
    STRS,
    json_content,
    nullable,
    obj,
    operation,
    page_of,
    parameter,
    schema_ref,
)
from workflow.activities import ACTIONS, ENROLLER_LABELS, STAMPS
from workflow.states import ACTIVITY, ACTIVITY_KINDS, ENROLMENT

__all__ = ["ACTIVITY_TAG", "activity_operations", "activity_schemas"]

ACTIVITY_TAG = "创新活动与培训"
_ENROLLERS = [x.value for x in ENROLLER_LABELS]


def _enum(values: Any, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return schema


def activity_schemas() -> dict[str, Any]:
    """Component schemas of the activity endpoints."""
    always = {"id": STR, "title": STR, "kind": _enum(ACTIVITY_KINDS), "status": _enum(ACTIVITY.states),
              "start_date": {"type": "string", "description": "开始日期 YYYY-MM-DD"}, "end_date": STR,
              "capacity": {"type": "integer", "minimum": 0, "description": "名额，0 为不限"},
              "enrolled": {"type": "integer", "minimum": 0, "description": "有效报名数（不含已取消）"},
              "attended": {"type": "integer", "minimum": 0, "description": "出席数"},
              "created_at": STR, "actor": STR, "history": {**STRS, "description": "状态变更记录：时间 状态 操作人 成效"}}
    later = {"topic": STR, "place": STR, "region": STR, "region_name": STR, "organiser": STR, "description": STR,
             "field_ids": STRS, "outcome": {"type": "string", "description": "活动成效（结束时填写）"},
             "challenge_ids": {**STRS, "description": "由本活动发起的揭榜榜单"}, "source": STR,
             **{stamp: STR for stamp in STAMPS.values()}}
    record = {**obj({**always, **later}, required=list(always)), "description": "创新活动（大赛、路演、展示、宣讲、培训）"}
    enrolment = {**obj({"label": _enum(_ENROLLERS), "id": STR, "name": STR, "status": _enum(ENROLMENT.states),
                        "at": STR, "actor": STR, "note": STR, "outcome": STR, "marked_at": STR, "marked_by": STR},
                       required=["label", "id", "status", "at"]), "description": "报名记录（企业或专家）"}
    enroller = obj({"label": _enum(_ENROLLERS, "企业（Enterprise）或专家（Expert）"), "id": STR})
    match = obj({"id": STR, "title": STR, "kind": STR, "start_date": STR, "score": NUM,
                 "matched_fields": {**STRS, "description": "活动涉及、企业需求需要的技术领域"},
                 "gap_fields": {**STRS, "description": "其中尚无人对接（待对接需求）的领域"}})
    row = obj({"group": STR, "activities": INT, "held": INT, "enrolled": INT, "attended": INT,
               "attendance_rate": NUM, "challenges": INT})
    return {
        "ActivityRecord": record,
        "ActivityDetail": {**obj({**always, **later, "enrolments": {"type": "array", "items": schema_ref("Enrolment")},
                                  "challenges": {"type": "array", "items": schema_ref("ChallengeRecord")}},
                                 required=[*always, "enrolments", "challenges"]), "description": "活动详情"},
        "Enrolment": enrolment,
        "ActivityInput": obj({"id": STR, "title": STR, "kind": _enum(ACTIVITY_KINDS), "topic": STR,
                              "start_date": {"type": "string", "description": "YYYY-MM-DD"}, "end_date": STR,
                              "place": STR, "region": {"type": "string", "description": "地区编号、代码或名称"},
                              "organiser": STR, "capacity": nullable({"type": "integer", "minimum": 0}),
                              "fields": {**STRS, "description": "技术领域编号或名称"}, "description": STR,
                              "draft": {**BOOL, "default": False, "description": "存为草稿，不开放报名"}},
                             required=["title", "kind", "start_date"]),
        "ActivityMove": obj({"status": _enum(ACTIONS, "目标状态"),
                             "outcome": {"type": "string", "description": "活动成效，结束时必填"}}, required=["status"]),
        "EnrolmentInput": obj({"enroller": enroller, "note": STR}, required=["enroller"]),
        "AttendanceInput": obj({"enroller": enroller, "status": _enum(("已出席", "缺席", "已取消")), "outcome": STR},
                               required=["enroller", "status"]),
        "ActivityChallengeInput": obj({"demand_id": STR, "conditions": STR, "deadline": STR,
                                       "reward_wan": {"type": "number", "minimum": 0}, "title": STR},
                                      required=["demand_id", "conditions", "deadline", "reward_wan"]),
        "ActivityRecommendations": obj({"items": {"type": "array", "items": match}}),
        "ActivityReport": obj({"by": _enum(ACTIVITY_REPORT_BY), "period": _enum(PERIODS),
                               "rows": {"type": "array", "items": row}}),
    }


def activity_operations(paging: list[dict[str, Any]]) -> dict[str, Any]:
    """Path → method → operation for the activity endpoints."""
    P = Permission
    aid = parameter("activity_id", "path", STR, "活动编号")
    conflicts = ("400", "404", "409")
    return {
        "/api/v1/activities": {
            "get": operation("activities.list_activities", P.WORKFLOW_READ, ACTIVITY_TAG, "活动列表（可筛选、分页）",
                             json_content(page_of(schema_ref("ActivityRecord")), "活动分页列表，按编号排序"),
                             params=[parameter("status", "query", _enum(ACTIVITY.states), "状态"),
                                     parameter("kind", "query", _enum(ACTIVITY_KINDS), "活动类型"),
                                     parameter("region", "query", STR, "地区编号"), *paging]),
            "post": operation("activities.create_activity", P.ACTIVITY_MANAGE, ACTIVITY_TAG, "发布活动（或存为草稿）",
                              json_content(schema_ref("ActivityRecord"), "已创建"), status="201",
                              body=schema_ref("ActivityInput"), errors=("400", "409"))},
        "/api/v1/activities/{activity_id}": {"get": operation(
            "activities.get_activity", P.WORKFLOW_READ, ACTIVITY_TAG, "活动详情、报名与由其发起的揭榜",
            json_content(schema_ref("ActivityDetail"), "活动"), params=[aid], errors=("400", "404"))},
        "/api/v1/activities/{activity_id}/status": {"post": operation(
            "activities.advance", P.ACTIVITY_MANAGE, ACTIVITY_TAG, "推进活动状态（发布报名、开始、结束）",
            json_content(schema_ref("ActivityRecord"), "变更后的活动"), params=[aid], body=schema_ref("ActivityMove"),
            errors=conflicts, description="草稿 → 报名中 → 进行中 → 已结束；结束须填写活动成效，进行中结束时未签到的报名记为缺席。")},
        "/api/v1/activities/{activity_id}/enrolments": {"post": operation(
            "activities.enrol", P.PORTAL_ACT, ACTIVITY_TAG, "企业或专家报名",
            json_content(schema_ref("Enrolment"), "已报名"), status="201", params=[aid],
            body=schema_ref("EnrolmentInput"), errors=conflicts,
            description="只有报名中的活动接受报名；重复报名、名额已满、已结束的活动为 409。")},
        "/api/v1/activities/{activity_id}/attendance": {"post": operation(
            "activities.attendance", P.ACTIVITY_MANAGE, ACTIVITY_TAG, "记录签到与成效，或取消报名",
            json_content(schema_ref("Enrolment"), "更新后的报名记录"), params=[aid],
            body=schema_ref("AttendanceInput"), errors=conflicts)},
        "/api/v1/activities/{activity_id}/challenge": {"post": operation(
            "activities.launch_challenge", P.ACTIVITY_MANAGE, ACTIVITY_TAG, "由活动发起揭榜",
            json_content(schema_ref("ChallengeRecord"), "已发布的榜单（记录 activity_id）"), status="201",
            params=[aid], body=schema_ref("ActivityChallengeInput"), errors=conflicts)},
        "/api/v1/activity-recommendations": {"get": operation(
            "activities.recommended", P.RECOMMEND, ACTIVITY_TAG, "为企业或需求推荐活动与培训",
            json_content(schema_ref("ActivityRecommendations"), "推荐的活动，按得分排序"),
            params=[parameter("enterprise_id", "query", STR, "企业编号（与 demand_id 二选一）"),
                    parameter("demand_id", "query", STR, "需求编号（与 enterprise_id 二选一）"),
                    parameter("top_k", "query", {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
                              "最多条数")],
            errors=("400", "404"),
            description="需求领域与活动领域相同得 1 分、上下级领域得 0.6 分，乘以需求权重；待对接需求的领域×1.5。"
                        "只推荐报名中、尚未开始、企业未报名的活动。")},
        "/api/v1/activity-report": {"get": operation(
            "activities.report", P.REPORT_READ, ACTIVITY_TAG, "活动统计（按类型、地区、时间、状态）",
            json_content(schema_ref("ActivityReport"), "分组统计，最后一行为合计"),
            params=[parameter("by", "query", _enum(ACTIVITY_REPORT_BY), "分组"),
                    parameter("period", "query", _enum(PERIODS), "按时间分组的粒度"),
                    parameter("since", "query", STR, "开始日期（含）"), parameter("until", "query", STR, "结束日期（含）")])},
    }
