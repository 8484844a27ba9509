"""The appraisal app's reference data: what each role may do, and the two default rubrics (the city's case-file
review rubric on the six dimensions 事实认定、法律适用、办案程序、调查取证、文书制作、案卷归档, and the leader's
evaluation rubric). Migration 0002_a_reference puts them in place on a new database; `ensure_reference_data()`
(registered in appraisal.integration) restores them and tags the case-review items with knowledge points of the
exam banks' category tree once those exist (matched by name; a missing point is simply left out).

Other parts of the app grant their own permissions with `extensions.role_permissions({...})` next to these.
"""

from __future__ import annotations

from decimal import Decimal

ROLE_PERMISSIONS = {
    # HR reads case files, rubrics and rounds in its subtree.
    "hr": ["appraisal.view_casefile", "appraisal.view_rubric", "appraisal.view_reviewround"],
    # Training admins keep case files and rubrics and run rounds.
    "training_admin": [
        "appraisal.add_casefile",
        "appraisal.change_casefile",
        "appraisal.view_casefile",
        "appraisal.add_rubric",
        "appraisal.change_rubric",
        "appraisal.view_rubric",
        "appraisal.add_reviewround",
        "appraisal.change_reviewround",
        "appraisal.view_reviewround",
    ],
    # Unit leaders keep their subtree's case files and run rounds with the rubrics they are given.
    "unit_leader": [
        "appraisal.add_casefile",
        "appraisal.change_casefile",
        "appraisal.view_casefile",
        "appraisal.view_rubric",
        "appraisal.add_reviewround",
        "appraisal.change_reviewround",
        "appraisal.view_reviewround",
    ],
}

CASE_RUBRIC_NAME = "案卷评查标准（默认）"
LEADER_RUBRIC_NAME = "领导评价标准（默认）"

# code, name, weight (of 100), highest score, scoring guide, knowledge points (category names or paths)
CASE_REVIEW_ITEMS = [
    (
        "facts",
        "事实认定",
        Decimal(20),
        10,
        "违法事实清楚，时间、地点、主体、行为、后果等要素齐全，证据能够相互印证（9–10分）；"
        "主要事实清楚但个别要素缺失或表述含糊（6–8分）；主要事实认定不清或与证据矛盾（0–5分）。",
        ["隐患排查", "法律法规/安全生产法"],
    ),
    (
        "law",
        "法律适用",
        Decimal(20),
        10,
        "定性准确，引用法律、法规、规章条款具体到条、款、项，处罚种类和幅度符合裁量基准（9–10分）；"
        "引用条款不完整或裁量说理不足（6–8分）；定性错误、适用依据错误或超越裁量幅度（0–5分）。",
        ["法律法规/行政处罚法", "法律法规/安全生产法", "法律法规"],
    ),
    (
        "procedure",
        "办案程序",
        Decimal(20),
        10,
        "立案、调查、告知、听证、审核、决定、送达、执行各环节齐全且在法定期限内，执法人员不少于两人并出示证件"
        "（9–10分）；个别环节记录不全或轻微超期（6–8分）；缺少告知、听证等法定程序或严重超期（0–5分）。",
        ["执法程序", "法律法规/行政处罚法"],
    ),
    (
        "evidence",
        "调查取证",
        Decimal(15),
        10,
        "现场检查记录、询问笔录、照片、检测报告等证据合法取得、形式完备、与待证事实关联（9–10分）；"
        "证据基本充分但个别证据签名、日期或来源不全（6–8分）；关键证据缺失或取证违法（0–5分）。",
        ["执法程序", "隐患排查", "法律法规/事故报告和调查处理"],
    ),
    (
        "documents",
        "文书制作",
        Decimal(15),
        10,
        "执法文书使用规范格式，文号、当事人、事实、理由、依据、救济途径等内容完整，文字准确无涂改（9–10分）；"
        "个别文书要素缺漏或文字错误（6–8分）；文书种类错误或关键要素缺失（0–5分）。",
        ["执法程序"],
    ),
    (
        "archiving",
        "案卷归档",
        Decimal(10),
        10,
        "结案后按规定期限立卷归档，卷内文书按顺序排列、编页、目录清楚，电子与纸质案卷一致（9–10分）；"
        "归档基本规范但目录或页码不全（6–8分）；未归档、缺页或卷内文书混乱（0–5分）。",
        ["执法程序"],
    ),
]

LEADER_ITEMS = [
    (
        "integrity",
        "政治素质与廉洁自律",
        Decimal(15),
        10,
        "遵守政治纪律和廉洁规定，无吃拿卡要、以罚代管等行为（9–10分）；有轻微不规范行为经提醒即改正（6–8分）；"
        "有违纪违规行为（0–5分）。",
        [],
    ),
    (
        "competence",
        "执法能力",
        Decimal(25),
        10,
        "熟练掌握法律法规和执法程序，能独立承办复杂案件、准确识别重大隐患（9–10分）；能承办一般案件（6–8分）；"
        "需在他人指导下开展执法（0–5分）。",
        [],
    ),
    (
        "performance",
        "工作实绩",
        Decimal(30),
        10,
        "按计划完成检查、执法和隐患整改督办任务，辖区未发生因失职引起的事故（9–10分）；基本完成任务（6–8分）；"
        "任务完成差或有失职情形（0–5分）。",
        [],
    ),
    (
        "conduct",
        "工作作风与纪律",
        Decimal(15),
        10,
        "文明执法、服务企业，遵守考勤和执法纪律，无有效投诉（9–10分）；偶有投诉经核实已整改（6–8分）；"
        "作风粗暴或被有效投诉多次（0–5分）。",
        [],
    ),
    (
        "learning",
        "学习与创新",
        Decimal(15),
        10,
        "积极参加培训、示范观摩和交叉执法，主动分享经验做法（9–10分）；按要求参加学习（6–8分）；"
        "无故缺席培训或学习敷衍（0–5分）。",
        [],
    ),
]

DEFAULT_RUBRICS = [
    (
        CASE_RUBRIC_NAME,
        "case_review",
        "按事实认定、法律适用、办案程序、调查取证、文书制作、案卷归档六个方面逐项评分，合计100分。",
        CASE_REVIEW_ITEMS,
    ),
    (
        LEADER_RUBRIC_NAME,
        "leader",
        "执法考评中单位领导对安监员的评价，合计100分。",
        LEADER_ITEMS,
    ),
]


def knowledge_points(Category, names: list[str]) -> list:
    """Categories of any bank whose path is one of `names`, or whose own name is (tolerating absence)."""
    if not names:
        return []
    found = []
    for name in names:
        matches = list(Category.objects.filter(path=name)) or list(
            Category.objects.filter(name=name.rsplit("/", 1)[-1], path__endswith="/" + name)
        )
        if not matches and "/" not in name:
            matches = list(Category.objects.filter(name=name))
        found.extend(m for m in matches if m not in found)
    return found


def ensure_default_rubrics(Rubric=None, RubricItem=None, Category=None) -> None:
    """Create the city's default rubrics (and any missing item) without changing what staff edited; tag items
    that have no knowledge point yet with the matching categories. Model classes may be historical ones."""
    if Rubric is None:
        from appraisal.models import Rubric, RubricItem  # noqa: PLC0415 (models load after this module)
        from exams.models import Category  # noqa: PLC0415
    for name, purpose, description, items in DEFAULT_RUBRICS:
        rubric = Rubric.objects.filter(purpose=purpose, unit__isnull=True, is_default=True).first()
        if rubric is None:
            rubric = Rubric.objects.create(
                name=name, purpose=purpose, unit=None, description=description, is_default=True
            )
        existing = {item.code: item for item in RubricItem.objects.filter(rubric=rubric)}
        for order, (code, item_name, weight, max_score, guide, points) in enumerate(items):
            item = existing.get(code)
            if item is None:
                item = RubricItem.objects.create(
                    rubric=rubric,
                    sort_order=order,
                    code=code,
                    name=item_name,
                    weight=weight,
                    max_score=max_score,
                    guide=guide,
                )
            # Through the link table: a ParentalManyToManyField writes only when a cluster parent is saved.
            through = RubricItem._meta.get_field("knowledge_points").remote_field.through
            if points and not through.objects.filter(rubricitem=item).exists():
                through.objects.bulk_create(
                    through(rubricitem=item, category=category)
                    for category in knowledge_points(Category, points)
                )


def default_rubric(purpose: str = "case_review"):
    from appraisal.models import Rubric  # noqa: PLC0415

    return Rubric.objects.filter(purpose=purpose, unit__isnull=True, is_default=True).first()
