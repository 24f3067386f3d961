"""The one catalogue of end-user text (zh-CN), grouped by area; format with ``str.format``.

:class:`Msg` holds the messages of the graph and of data input (``Msg.FIELD``, ``Msg.ROW_FIELD`` …) at its
top level, and one nested class per area of the product: ``Msg.api``, ``Msg.pages``,
``Msg.workflow_pages``, ``Msg.services``, ``Msg.workflow_api``, ``Msg.workflow``, ``Msg.webhook``. It lives
in the bottom layer so every layer can use it; :mod:`graph.errors` re-exports it. A new language
would be a sibling module with the same shape. Log lines stay English and are not here.
"""

from __future__ import annotations

__all__ = ["Msg"]


class Msg:
    """Chinese messages shown to end users; format with ``str.format``."""

    # -- the graph and data input (importers, readers, stores) ----------------------------------------
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
    RANKER_NO_TRAINING_DATA = ("图谱中没有可用于训练排序模型的历史（伪查询 {groups} 组，需有真实负责人/作者出现在候选中），"
                               "未写入模型；推荐继续使用人工权重")
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
    BATCH_TOO_LARGE = ("图数据库拒绝了本批写入（事务内存不足：{code}），{rows} 行未保存；"
                       "可调大 Neo4j 的 db.memory.transaction.max（本地开发服务器：KGMATCH_NEO4J_TX_MAX）")
    BATCH_REFUSED = ("导入中断：图数据库拒绝了 {what}（共 {rows} 行，{reason}）。此前的 {done} 行已分批提交；"
                     "处理后重新导入同一文件即可续上（已导入的行按编号合并，不会重复）")

    CHUNK_FAILED = ("导入中断：{rows}所在的一块未能写入（{reason}）。此前的 {done} 个输入行已分块提交；"
                    "处理后重新导入同一文件即可续上（已导入的行按编号合并，结果与一次导入相同）")

    class api:
        """The web app and the JSON API: sign-in, permissions, request errors, HTTP statuses."""

        LOGIN_REQUIRED = "请先登录，或在请求头 X-API-Key 中提供 API 密钥"
        BAD_API_KEY = "API 密钥无效或已吊销"
        FORBIDDEN = "当前角色「{role}」无权执行此操作（需要权限「{permission}」）"
        NOT_DECLARED = "该地址未声明访问权限，已拒绝访问"
        BAD_LOGIN = "用户名或密码不正确"
        BAD_CSRF = "表单已过期，请刷新页面后重试"
        NOT_JSON = "请求体应为 JSON 对象（Content-Type: application/json）"
        NULL_VALUE = "不能为 null；没有值的字段请省略"
        BAD_INT = "应为 {low} 到 {high} 之间的整数，实际为「{value}」"
        BAD_NUMBER = "应为数字，实际为「{value}」"
        UNKNOWN_PARAM = "不是可用的查询参数"
        TOP_NOT_RANKED = "只能用于排名名单（{ranked}），报表「{kind}」没有排名，请省略该参数"
        TOO_LONG = "不能超过 {limit} 个字"
        DEMAND_EXISTS = "需求编号「{id}」已存在"
        INTERNAL = "服务器内部错误，请稍后重试；已记录日志"
        HTTP = {
            400: "请求格式不正确",
            401: LOGIN_REQUIRED,
            403: "无权访问",
            404: "未找到该页面或接口",
            405: "不支持该请求方法",
            413: "请求体过大",
            415: "不支持的请求内容类型",
            429: "请求过于频繁，请稍后重试",
        }

    class pages:
        """The pages: forms, lists, the graph explorer."""

        REQUIRED = "不能为空"
        TOO_LONG = "不能超过 {limit} 个字"
        BAD_NUMBER = "应为不小于 0 的数字，实际为「{value}」"
        BAD_DATE = "应为日期，如 2026-06-30，实际为「{value}」"
        PAST_DATE = "不能早于今天（{today}）"
        BAD_CHOICE = "选项无效，请重新分析需求后再勾选"
        BAD_OTHER_FIELD = "「{value}」不是可选的二级技术领域，请从列表中选择"
        NEED_TEXT = "请先填写需求标题或描述，再点「分析需求」"
        ANALYSED = "已根据需求文本给出建议的技术领域与行业，请勾选后提交。"
        NOTHING_FOUND = "未能从文本中识别出技术领域；可补充描述后重新分析，提交时系统也会自动识别。"
        FORM_HAS_ERRORS = "表单有 {count} 处需要修改，请查看标红的项目。"
        CREATED = "需求已提交（编号 {id}），以下是系统推荐的专家与团队。"
        FILTER_HAS_ERRORS = "筛选条件有误，请修改后重试。"
        SEARCH_EMPTY = "请输入要查找的名称或关键词"
        NO_RESULTS = "没有找到匹配「{query}」的节点"
        BAD_OPTION = "应为 {choices} 之一，实际为「{value}」"
        EXPORT_CAPPED = "匹配 {total} 条，超过单次导出上限，只导出了前 {count} 条"
        UNKNOWN_NAMED = "未找到{what}「{value}」（请填写{what}编号或准确的{name}）"
        SAME_NAME = "有 {count} {unit}{what}名为「{value}」：{choices}；请填写{what}编号"

    class workflow_pages:
        """The workflow pages: pushes, feedback, 揭榜挂帅, deliveries."""

        PUSHED = "已推送 {what}"
        PUSHED_NONE = "没有新的推送"
        ALREADY = "{count} 位此前已推送过，未重复推送"
        EXPERTS = "{count} 位专家"
        TEAMS = "{count} 个团队"
        PLATFORMS = "{count} 个服务平台"
        LIST_PUSHED_PLATFORMS = "已将 {demands} 条需求推送给 {experts} 位专家、{platforms} 个服务平台：新建推送 {created} 条"
        LIST_PUSHED = "已将 {demands} 条需求推送给 {recipients} 位专家：新建推送 {created} 条"
        LIST_ALREADY = "{count} 条此前已推送过"
        LIST_SKIPPED = "{count} 条已解决或已关闭的需求未推送"
        LIST_EMPTY = "没有符合条件的需求"
        LIST_ALL_CLOSED = "符合条件的 {count} 条需求都已解决或已关闭，不能推送"
        BAD_TEAM = "团队成员列表无效，请刷新页面后重新勾选"
        FEEDBACK = "已记录对「{name}」的反馈：{verdict}"
        FEEDBACK_REASON = "已记录对「{name}」的反馈：{verdict}（理由：{reason}）"
        ANSWERED = "已记录「{name}」{verdict}推送「{title}」"
        REMINDED = "已对 {count} 条超过 {hours:g} 小时未回复的推送发送提醒"
        REMINDED_NONE = "没有超过 {hours:g} 小时未回复的推送"
        BAD_ANSWER = "请选择接受或谢绝"
        PUBLISHED = "已发布揭榜榜单「{title}」（编号 {id}），当前状态：{status}"
        BID = "已代「{name}」提交揭榜方案（编号 {id}）"
        SELECTED = "已确定揭榜方：{name}，榜单状态：{status}"
        MOVED = "榜单已{action}，当前状态：{status}"
        RETRY = "已安排立即重试投递「{id}」，将在下一轮投递中发送"
        BAD_HOURS = "应为正数（小时），实际为「{value}」"

    class services:
        """The 科技专员 and 创新券 pages."""

        UNKNOWN_DEMAND = "未找到需求「{value}」（请填写需求编号）"
        UNKNOWN_SERVICE = "未找到服务记录「{value}」"
        NOT_A_SERVICE_OF = "服务记录「{service}」不属于派驻「{dispatch}」"
        PICK_TYPE = "请至少选择一种服务类型"
        BAD_HOLDER_TYPE = "请选择企业或专家"
        DISPATCHED = "已派驻 {expert} 到 {enterprise}（编号 {id}）。"
        ONE_PROVIDER = "专家与服务平台只填一个：派驻科技专员填专家，由平台提供服务填服务平台"
        RECORDED = "已记录 {date} 的服务（{hours} 小时）。"
        SOLVED = "需求「{title}」已标记为已解决。"
        ENDED = "派驻 {id} 已结束。"
        RATED = "已记录企业评价：{rating} 分。"
        ISSUED = "已向 {holder} 发放创新券 {amount:,.2f} 元（编号 {id}）。"
        REDEEMED = "已兑付 {amount:,.2f} 元，余额 {balance:,.2f} 元。"
        VOIDED = "创新券 {id} 已作废。"

    class workflow_api:
        """The workflow API's request bodies."""

        UNKNOWN_FIELD = "不是可用的字段（可用：{allowed}）"
        TEXT = "文本"
        BOOL = "true 或 false"
        NUMBER = "数字"
        INTEGER = "整数"
        TEXTS = "文本列表"
        OBJECT = "JSON 对象"
        REF = "形如 {{\"label\": \"{labels}\", \"id\": \"…\"}} 的对象"
        LABEL = "应为 {choices} 之一，实际为「{value}」"
        TOO_MANY_ITEMS = "最多 {limit} 项，实际 {count} 项"
        ONE_OF = "请填写 demand_ids（需求编号列表）或 filters（筛选条件）之一，且只填一个"
        NO_FILTER = "请至少填写一个筛选条件：{names}"
        NONE_MATCH = "没有符合筛选条件、且可以推送的需求"
        TOO_MANY_DEMANDS = "符合筛选条件的需求有 {count} 条，一次最多推送 {limit} 条，请缩小筛选范围"
        TOO_MANY_PAIRS = "一次最多推送 {limit} 条（需求 × 专家或团队），实际 {demands} × {targets} = {count} 条"

    class workflow:
        """The matchmaking workflows and their state machines."""

        BAD_DATE = "应为日期 YYYY-MM-DD，实际为「{value}」"
        BAD_CHOICE = "应为 {choices} 之一，实际为「{value}」"
        BAD_NUMBER = "应为{what}，实际为「{value}」"
        NO_TARGETS = "请至少选择一位专家或团队"
        NO_FIELDS = "请至少选择一个技术领域"
        FIELDS_CORRECTED = "已更正需求「{id}」的技术领域：{names}"
        TOO_MANY = "一次最多 {limit} 条，实际 {count} 条"
        TRANSITION = "{what}「{id}」当前状态为「{current}」，不能{action}（允许的下一状态：{allowed}）"
        FINAL = "{what}「{id}」已是最终状态「{current}」，不能再{action}"
        PUSH_ANSWERED = "推送「{id}」已于 {at} {verdict}，不能重复回复"
        NOT_YOUR_PUSH = "推送「{id}」不是推送给「{who}」的"
        REASON_REQUIRED = "拒绝时必须填写理由"
        DISPATCH_ENDED = "派驻「{id}」已结束（{status}），不能再记录服务"
        DATE_OUTSIDE = "服务日期 {date} 不在派驻期 {start} 至 {end} 之内"
        END_BEFORE_START = "结束日期 {end} 早于开始日期 {start}"
        ALREADY_RATED = "服务记录「{id}」已于 {at} 评价为 {rating} 分，不能重复评价"
        BAD_RATING = "评分应为 1 到 5 的整数，实际为「{value}」"
        BID_CLOSED = "榜单「{id}」当前状态为「{status}」，只有「揭榜中」的榜单接受揭榜方案"
        BID_LATE = "榜单「{id}」的揭榜截止日期 {deadline} 已过"
        BID_TWICE = "「{who}」已对榜单「{id}」提交过方案「{bid}」"
        BID_NOT_ON = "方案「{bid}」不属于榜单「{id}」"
        CHALLENGE_EXISTS = "需求「{demand}」已发布为榜单「{id}」（{status}）"
        VOUCHER_OVER = "创新券「{id}」余额 {balance:.2f} 元，不足以兑付 {amount:.2f} 元"
        VOUCHER_TWICE = "服务记录「{service}」已用创新券「{voucher}」兑付过（{at}），不能重复兑付"
        VOUCHER_STATUS = "创新券「{id}」状态为「{status}」，不能兑付"
        VOUCHER_EXPIRED = "创新券「{id}」已于 {until} 过期"
        VOUCHER_HOLDER = "创新券「{id}」的持有人「{holder}」不是服务记录「{service}」的服务企业或服务专家"
        NOT_THEIR_DEMAND = "需求「{demand}」不是「{enterprise}」发布的，派驻的服务企业应为需求企业"
        DEMAND_SOLVED = "需求「{id}」已标记为「{status}」"

    class webhook:
        """The webhook dispatcher and its settings."""

        BAD_URL = "应为 http:// 或 https:// 开头的地址，实际为「{value}」"
        ALREADY_DELIVERED = "推送投递「{id}」于 {at} 已投递，无需重发"
        IN_FLIGHT = "推送投递「{id}」正在投递中（至 {until}），请稍后再试"
        CONNECT = "连接失败：{reason}"
        TIMEOUT = "超时：{seconds:g} 秒内没有响应"
        HTTP = "HTTP {status}"
        NO_PAYLOAD = "投递内容缺失（payload）"
        SEND_FAILED = "发送失败：{reason}"

    # -- activities and training (issue 16) --------------------------------------------------------------
    class activities:
        """创新活动与培训: publishing, enrolment, attendance, closing, import, pages."""

        NOT_OPEN = "活动「{title}」（{id}）当前状态为「{status}」，只有「报名中」的活动接受报名"
        CLOSED = "活动「{title}」（{id}）已结束，不能再{action}"
        FULL = "活动「{title}」（{id}）名额已满（限 {capacity} 人/家，已报名 {enrolled}），不能再报名"
        TWICE = "「{who}」已报名活动「{title}」（{id}，{at}），不能重复报名"
        NOT_ENROLLED = "「{who}」没有报名活动「{title}」（{id}）"
        ATTENDANCE_STATUS = "活动「{title}」（{id}）当前状态为「{status}」，签到与成果只能在「报名中」或「进行中」记录"
        ALREADY_MARKED = "「{who}」在活动「{title}」的报名状态已是「{status}」，不能再改为「{target}」"
        CHALLENGE_STATUS = "活动「{title}」（{id}）当前状态为「{status}」，只能在「报名中」或「进行中」发起揭榜"
        CAPACITY = "应为不小于 0 的整数（0 表示不限名额），实际为「{value}」"
        OUTCOME_REQUIRED = "结束活动必须填写活动成效（如签约项目、获奖名单、培训人次）"
        ENROLLER = "报名者应为企业或专家（Enterprise:编号 / Expert:编号），实际为「{value}」"
        KIND = "未知的活动类型「{value}」，可选：{choices}"
        EXISTS = "活动编号「{id}」已存在"
        IMPORTED = "活动清单：导入 {new} 个新活动、更新 {updated} 个，{bad} 行有误未导入"
        WHICH = "请给出 enterprise_id（企业编号）或 demand_id（需求编号）之一"
        NONE_RECOMMENDED = "暂无与本企业需求领域相关的活动或培训"
        SYNTHETIC = "演示数据（合成）"
        # pages (flash messages)
        CREATED = "已创建活动「{title}」（编号 {id}），当前状态：{status}"
        MOVED = "已{action}，当前状态：{status}"
        ENROLLED = "已为「{name}」报名"
        MARKED = "已记录「{name}」：{status}"
        LAUNCHED = "已由本活动发起揭榜榜单「{title}」（编号 {id}）"
    class registry:
        """Enterprise registry status (科技型中小企业, 高新技术企业, 专精特新), service modes and talent lists."""

        BAD_HNTE_NUMBER = ("高新技术企业证书编号格式不正确：「{value}」（应为 GR + 4 位发证年份 + 2 位省级行政区划代码 + "
                           "6 位顺序号，共 14 位，如 GR202344001234）")
        BAD_TSME_NUMBER = ("科技型中小企业入库登记编号格式不正确：「{value}」（应为 18 位数字：4 位入库年度 + 6 位县级行政区划代码 + "
                           "8 位顺序号，如 202344010512000123）")
        BAD_PROVINCE = "编号中的省级行政区划代码「{code}」不存在（如 44 为广东省、33 为浙江省）"
        UNKNOWN_REGION_CODE = "编号中的行政区划代码「{code}」不在地区代码表中（GB/T 2260）"
        YEAR_MISMATCH = "与编号中的年份 {number_year} 不一致（填写为 {value}）"
        FUTURE_YEAR = "年份 {year} 晚于今年 {today}"
        HNTE_EXPIRED = "高新技术企业证书已于 {expires} 到期（有效期三年，自发证日期 {issued} 起算），不能作为有效资质导入"
        HNTE_VALIDITY = "有效期至 {expires} 与发证日期 {issued} 不符（高新技术企业证书有效期为发证之日起三年）"
        HNTE_PROVINCE = ("编号中的省级行政区划代码「{code}」{province}与企业「{name}」所在地区「{region}」（{region_code}）"
                         "不在同一省份，请核对证书编号或企业库中的所在地区")
        TSME_EXPIRED = ("科技型中小企业入库登记编号已过期：{year} 年度入库，有效至 {until}（每年须重新评价入库），"
                        "不能作为有效资质导入")
        SRDI_EXPIRED = "专精特新资格已于 {expires} 到期（有效期三年），不能作为有效资质导入"
        BAD_LEVEL = "未知的专精特新级别「{value}」，可选：{choices}"
        CREDIT_MISMATCH = "与企业库中「{name}」的统一社会信用代码 {stored} 不一致"
        ENTERPRISE_KEY = "不能为空：请填写统一社会信用代码或企业库中已有企业的准确名称"
        BAD_REGISTRY = "未知的企业资质「{value}」，可选：{choices}"
        BAD_MODE = "未知的服务方式「{value}」，可选：{choices}"
        BAD_FORM = "未知的合作形式「{value}」，可选：{choices}"
    class platforms:
        """Service platforms and bases (issue 16): import, recommendation, explanations."""

        BAD_KIND = "平台类型应为：{choices}；实际为「{value}」"
        NO_SERVICES = "不能为空：请填写平台提供的服务（如 检验检测；中试熟化；仪器设备共享）"
        BAD_HOST = "依托单位「{value}」不像机构名称（应为大学、研究院所、中心或公司等）"
        NEED_KINDS = {"检验检测": "检验检测", "中试": "中试熟化", "共性技术": "共性技术", "设备共享": "设备共享"}
        SENTENCE = "{name}（{kind}{host}）可提供{services}{fields}{region}。"
        SENTENCE_HOST = "，依托{host}"
        SENTENCE_FIELDS = "，服务领域含{fields}"
        SENTENCE_REGION = "，{region}"
        SAME_CITY = "与需求同城"
        SAME_PROVINCE = "与需求同省"
        NONE_NEEDED = "需求未提出检验检测、中试或设备共享等平台服务需要，未推荐平台"
        NONE_FOUND = "需求需要{needs}，但图谱中暂无提供相应服务的平台"
        SECTION = "推荐平台与基地"
        NEEDS_LABEL = "识别到的平台服务需要"
        COMPONENT_SERVICE = "服务匹配"
        COMPONENT_FIELD = "领域匹配"
        COMPONENT_REGION = "地域邻近"
        ONE_PROVIDER = "请填写 expert_id（派驻的专家）或 platform_id（提供服务的平台）之一，且只填一个"

    class lists:
        """Activity and platform lists uploaded through the pages and the JSON API (issue 16)."""

        IMPORTED = "{what}：已导入 {rows} 行（重复导入不会重复写入）"
        REJECTED = "{what}有 {bad} 行有误，整个文件未导入；请按提示修改后重新上传"
        NO_FILE = "请选择要上传的文件"
        BAD_SUFFIX = "不支持的文件类型「{value}」，可选：{choices}"
        EMPTY = "上传的文件是空的"
