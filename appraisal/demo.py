"""Demo data of the enforcement appraisal: 120 closed case files of 2026 across the demo city's streets (loaded through
the case import, as an export of the enforcement information system would be), a closed review round of 东城区 with
its reviews, third review, a runner's correction, scores and follow-ups (one of them on a file of an officer still
under a mentor, so the mentor gets an 出题目 task), an open round in which demo_mentor has files waiting, the
district's 执法考评 cycle with leader evaluations and decided appraisals, a cross-enforcement (交叉执法) day with its
inspections and photos of the hazards found, an enforcement demonstration (示范观摩) with its attendance, and a case
library of four live cases (one proposed from the closed round and approved through the moderation workflow).

Everything goes through the app's services, in the names of the demo's staff (demo_leader runs the rounds and the
cycle, the reviewers review in their own names), so the audit trail, scores and follow-ups are what the product makes.
Deterministic for a given rng; each part is skipped when it is in place, so a second run changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from appraisal import appraisal_selectors, reference
from appraisal.importers.cases import import_cases
from appraisal.models import (
    Appraisal,
    AppraisalCycle,
    CaseFile,
    CaseReview,
    CrossInspection,
    Enterprise,
    FollowUp,
    ReviewAssignment,
    ReviewRound,
    RoundCase,
    Rubric,
)
from appraisal.pages import CaseLibraryPage, CasePage
from appraisal.services import appraisals, follow_ups, inspections, library, reviews, rounds
from cms import extensions
from cms.models import HomePage, Officer, StaffCategory, Unit
from cms.selectors import officer_of
from courses.models import SessionKind, TrainingDay, TrainingSession
from courses.services import attendance
from courses.services import sessions as session_services
from exams.models import Category

DISTRICT = "D01"  # 东城区: demo_leader's and demo_hr's district, demo_mentor's home
FILE_NAME = "示范市2026年结案案卷.csv"
CASES_PER_STREET = {DISTRICT: 12}  # the demo district's streets; every other street has DEFAULT_CASES
DEFAULT_CASES = 6
FIRST_HALF_PER_DEMO_STREET = 7  # closed January–June (the closed round's period); the rest July–October
YEAR = 2026
HANDLERS_PER_STREET = 2  # a street's cases are handled by a few appointed officers, not by everyone

CLOSED_ROUND = "东城区2026年上半年案卷评查"
OPEN_ROUND = "东城区2026年下半年案卷评查"
CLOSED_ROUND_SEED = 20260715
OPEN_ROUND_SEED = 20261120
CYCLE_NAME = "东城区2026年度执法考评"
# The district weighs the leader's evaluation only this year: the platform's exams, study hours and sessions began
# with the autumn's new hires, and most officers in post had no case file in a closed round; a weighted component
# without data would count as 0 for them (see appraisal.appraisal_selectors.weighted_total).
CYCLE_WEIGHTS = {"cases": 0, "exams": 0, "hours": 0, "attendance": 0, "leader": 100}
LIBRARY_SLUG = "case-library"
CROSS_SESSION = "东城区2026年第三季度交叉执法"
CROSS_DAY = datetime.date(YEAR, 9, 17)
ENTERPRISES = [  # name, industry, address (in the street)
    ("东华精密机械有限公司", "工贸", "东华路18号"),
    ("东华城市广场商业管理有限公司", "商贸", "东华路66号"),
    ("朝阳门化工贸易有限公司", "危险化学品", "朝阳门外大街9号"),
    ("朝阳门印刷有限公司", "工贸", "朝阳门内大街102号"),
    ("建国食品加工有限公司", "工贸", "建国路35号"),
    ("建国建设工程有限公司（建国里项目部）", "建筑施工", "建国里7号地块"),
    ("龙潭物流有限公司", "交通运输", "龙潭路88号"),
    ("龙潭汽车维修有限公司", "工贸", "龙潭路21号"),
]
CROSS_FINDINGS = {
    False: ["安全管理制度健全，现场未发现明显隐患。", "检查消防设施、用电安全和特种设备，均符合要求。"],
    True: [
        "配电箱未上锁，部分电气线路私拉乱接；灭火器压力不足。已下达责令限期整改指令书。",
        "有限空间未设置警示标识，作业审批台账缺失。已下达责令限期整改指令书。",
        "安全出口被货物堵塞，员工未经安全培训上岗。已下达责令限期整改指令书。",
    ],
}
# The site photos of the cross-enforcement day have their own generator, so the rest of the demo stays as it was.
PHOTO_SEED = 20260918
PHOTO_SIZE = (480, 360)
DEMONSTRATION_SESSION = "东城区2026年执法示范观摩（有限空间作业执法检查）"
DEMONSTRATION_DAY = datetime.date(YEAR, 6, 18)
DEMONSTRATION_HOURS = Decimal("3")
# Watchers per street: the appointed officers after the two who go to the cross-enforcement day.
DEMONSTRATION_WATCHERS = 3
# An officer in post who is still under a mentor handled one of their street's first-half files; the closed round
# finds its procedure weak, so the follow-up sets the mentor an 出题目 task.
APPRENTICE_WEAK = {"procedure"}
CORRECTION_REASON = "复核发现“{item}”一项扣分未写明理由、依据不足，按评分细则由{old}分更正为{new}分。"

# (kind label as the import reads it, number code, title, provisions, summary, fine range in yuan or None)
VIOLATIONS = [
    (
        "行政处罚",
        "罚",
        "未按规定对从业人员进行安全生产教育和培训",
        "《中华人民共和国安全生产法》第二十八条第一款、第九十七条第（三）项",
        "执法人员检查发现该单位新入职的{n}名操作工未经岗前安全生产教育和培训即上岗作业，培训档案缺失。",
        (10000, 30000),
    ),
    (
        "行政处罚",
        "罚",
        "特种作业人员未取得相应资格上岗作业",
        "《中华人民共和国安全生产法》第三十条第一款、第九十七条第（七）项",
        "检查发现该单位{n}名电焊作业人员未取得特种作业操作证，在车间内从事焊接作业。",
        (20000, 50000),
    ),
    (
        "行政处罚",
        "罚",
        "未在有较大危险因素的场所和设备上设置明显的安全警示标志",
        "《中华人民共和国安全生产法》第三十五条、第九十九条第（一）项",
        "检查发现该单位液氨储罐区、配电房等{n}处较大危险因素场所未设置安全警示标志。",
        (5000, 20000),
    ),
    (
        "行政处罚",
        "罚",
        "未对安全设备进行经常性维护、保养和定期检测",
        "《中华人民共和国安全生产法》第三十六条第二款、第九十九条第（三）项",
        "检查发现该单位{n}台冲床的光电保护装置失效，设备维护保养记录空白。",
        (10000, 30000),
    ),
    (
        "行政处罚",
        "罚",
        "未为从业人员提供符合国家标准的劳动防护用品",
        "《中华人民共和国安全生产法》第四十五条、第九十九条第（五）项",
        "检查发现该单位喷漆车间{n}名作业人员未配备防毒面具，仅佩戴普通纱布口罩作业。",
        (5000, 20000),
    ),
    (
        "行政处罚",
        "罚",
        "进行动火作业未安排专门人员进行现场安全管理",
        "《中华人民共和国安全生产法》第四十三条、第一百零一条第（三）项",
        "检查发现该单位在仓库内进行切割动火作业，现场无专人监护，{n}米范围内堆放易燃包装材料。",
        (20000, 50000),
    ),
    (
        "行政处罚",
        "罚",
        "未建立事故隐患排查治理制度",
        "《中华人民共和国安全生产法》第四十一条第二款、第一百零一条第（五）项",
        "检查发现该单位未建立事故隐患排查治理制度，近{n}个月无隐患排查记录。",
        (20000, 50000),
    ),
    (
        "行政处罚",
        "罚",
        "锁闭、封堵生产经营场所出口、疏散通道",
        "《中华人民共和国安全生产法》第四十二条第二款、第一百零五条第（二）项",
        "检查发现该单位{n}处安全出口被货物堵塞，其中一处疏散门被铁链锁闭。",
        (10000, 50000),
    ),
    (
        "责令整改",
        "改",
        "事故隐患责令限期整改",
        "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
        "检查发现该单位存在{n}项事故隐患（电气线路私拉乱接、灭火器过期、安全出口指示灯损坏），依法责令限期整改，"
        "复查时已全部整改完毕。",
        None,
    ),
    (
        "责令整改",
        "改",
        "有限空间作业未实行审批、未检测即进入",
        "《工贸企业有限空间作业安全规定》第十四条、《中华人民共和国安全生产法》第六十五条第一款第（三）项",
        "检查发现该单位污水池清淤作业前未进行气体检测、未落实审批，{n}名作业人员已进入池内，执法人员责令立即撤出"
        "并限期整改。",
        None,
    ),
    (
        "行政强制",
        "强",
        "查封违法储存危险化学品的场所",
        "《中华人民共和国安全生产法》第六十五条第一款第（四）项、《中华人民共和国行政强制法》第二十四条",
        "检查发现该单位在居民楼底商违法储存油漆、稀释剂等危险化学品约{n}吨，依法查封储存场所并扣押相关物品。",
        None,
    ),
    (
        "检查",
        "检",
        "安全生产执法检查",
        "《中华人民共和国安全生产法》第六十五条第一款第（一）项、第（二）项",
        "按年度监督检查计划对该单位开展执法检查，检查安全生产责任制、教育培训和隐患排查等{n}个方面，未发现违法行为。",
        None,
    ),
]
KIND_WEIGHTS = [6, 5, 5, 4, 4, 4, 4, 4, 10, 5, 2, 7]
DISTRICT_PREFIX = {"D01": "东", "D02": "西", "D03": "南", "D04": "北"}
PLACES = [
    "华兴",
    "宏远",
    "恒通",
    "金盛",
    "永安",
    "鑫达",
    "瑞丰",
    "东晟",
    "新源",
    "海川",
    "利民",
    "嘉禾",
    "锦程",
    "天成",
]
TRADES = [
    "精密机械",
    "五金制品",
    "包装材料",
    "物流",
    "化工贸易",
    "建材",
    "食品加工",
    "家具制造",
    "印刷",
    "汽车维修",
    "塑料制品",
    "商贸",
]

# What reviewers write for an item scored below 8 (code → findings), and for an item scored full marks.
WEAK_FINDINGS = {
    "facts": [
        "违法行为发生的时间表述不具体，现场检查记录与询问笔录对隐患位置的描述不一致。",
        "当事人主体资格证明缺失，无法确认违法主体。",
    ],
    "law": [
        "处罚决定书仅引用《安全生产法》第九十七条，未具体到项；裁量理由说明不充分。",
        "适用的裁量基准档次与违法情节不符，未说明从轻理由。",
    ],
    "procedure": [
        "未见行政处罚告知书送达回证，告知与决定之间未满法定陈述申辩期限。",
        "现场检查记录仅有一名执法人员签名，未记录出示执法证件。",
    ],
    "evidence": [
        "现场照片未注明拍摄时间、地点和拍摄人，与检查记录无法对应。",
        "询问笔录未经被询问人逐页签字确认。",
    ],
    "documents": [
        "责令限期整改指令书未写明整改期限和复查时间，文书有涂改未加盖校对章。",
        "文书中当事人名称与营业执照不一致。",
    ],
    "archiving": [
        "卷内目录与页码不一致，送达回证未归入正卷。",
        "结案后超过三个月未立卷归档。",
    ],
}
GOOD_FINDINGS = {
    "facts": "事实清楚，证据相互印证。",
    "law": "定性准确，引用条款具体到项，裁量适当。",
    "procedure": "程序完整，各环节均在法定期限内。",
    "evidence": "证据形式完备，照片、笔录与检查记录对应。",
    "documents": "文书规范，要素齐全。",
    "archiving": "卷宗装订规范，目录清楚。",
}
REVIEW_COMMENTS = [
    "案卷整体规范，个别细节需完善。",
    "办案程序基本规范，文书质量有待提高。",
    "事实清楚、证据确凿，可作为示范案卷。",
    "需加强调查取证和文书制作。",
]
LEADER_COMMENTS = [
    "工作认真负责，执法规范，能独立承办案件。",
    "业务熟练，服务意识强，下一步加强文书规范。",
    "完成年度检查任务，执法能力有待进一步提高。",
    "敢于较真碰硬，检查发现问题准、督促整改到位。",
]

# The library's hand-written cases (title, slug, kind, facts, legal basis, procedure, lessons, tags, points, excerpt).
LIBRARY_CASES = [
    (
        "某五金制品厂有限空间作业未检测即进入案",
        "confined-space-entry",
        "rectification",
        "执法人员在检查中发现，某五金制品厂安排两名工人进入厂区污水池清淤，作业前未进行通风和气体检测，未落实作业审批，"
        "现场无监护人员。执法人员当即责令作业人员撤出，并对该厂下达责令限期整改指令书。",
        "《工贸企业有限空间作业安全规定》第十四条；《中华人民共和国安全生产法》第四十三条、第六十五条第一款第（三）项",
        "现场检查 → 责令立即撤出作业人员 → 下达责令限期整改指令书（整改期限七日）→ 复查：企业建立有限空间台账、"
        "配备气体检测仪和送风设备、开展专项培训 → 复查合格，结案。",
        "有限空间作业必须坚持“先通风、再检测、后作业”，检查时要核对审批单、检测记录和监护人员三项；"
        "发现正在作业的，先撤人再取证，现场照片要能看出作业位置和人员。",
        ["责令整改", "有限空间"],
        ["隐患排查"],
        ("责令限期整改指令书（节选）", "经查，你单位存在下列问题：污水池清淤作业前未进行通风和气体检测……"),
    ),
    (
        "某物流公司堵塞疏散通道、锁闭安全出口案",
        "blocked-exits",
        "penalty",
        "执法人员对某物流公司仓库开展检查，发现仓库两处安全出口被货物堵塞，其中一处疏散门被铁链锁闭，"
        "该公司曾于三个月前因同类问题被责令整改。",
        "《中华人民共和国安全生产法》第四十二条第二款、第一百零五条第（二）项",
        "立案 → 现场检查记录、照片和询问笔录取证 → 法制审核 → 行政处罚告知（当事人未申辩）→ "
        "作出罚款三万元的行政处罚决定 → 送达 → 当事人缴纳罚款并完成整改 → 结案归档。",
        "对曾被责令整改又再次出现的问题，应调取前次整改文书作为从重裁量的依据，并在决定书中写明裁量理由；"
        "锁闭安全出口要拍摄锁具特写和全景两类照片。",
        ["行政处罚", "疏散通道"],
        ["法律法规/安全生产法", "法律法规/行政处罚法"],
        (
            "行政处罚决定书（节选）",
            "当事人：某物流有限公司……上述事实有现场检查记录、现场照片、询问笔录等证据为证……",
        ),
    ),
    (
        "居民楼底商违法储存危险化学品查封扣押案",
        "hazchem-seizure",
        "coercive",
        "执法人员接群众举报，在某居民楼底商发现违法储存油漆、稀释剂等危险化学品约两吨，现场无任何安全防护措施，"
        "与居民住宅处于同一建筑内，存在重大事故隐患。",
        "《中华人民共和国安全生产法》第六十五条第一款第（四）项；《中华人民共和国行政强制法》第十八条、第二十四条",
        "报告负责人批准 → 两名执法人员出示证件、通知当事人到场 → 制作现场笔录并当场交付查封扣押决定书和清单 → "
        "委托有资质单位转运储存 → 移送消防、市场监管部门依法处理 → 解除查封，结案。",
        "实施查封扣押必须两名以上执法人员到场、当场交付决定书和清单，并告知陈述申辩权和救济途径；"
        "涉及危险化学品的扣押物品要委托有资质单位保管，不能存放在执法单位。",
        ["行政强制", "危险化学品"],
        ["危险化学品", "执法程序"],
        (
            "查封（扣押）决定书（节选）",
            "根据《中华人民共和国安全生产法》第六十五条第一款第（四）项的规定，本机关决定对……",
        ),
    ),
]
LIBRARY_INTRO = "评查中得分优秀的案卷和典型执法案例，供全市安监员学习借鉴（当事人和个人信息已隐去）。"


# ---------------------------------------------------------------------------------------------------------------
# Case files


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def case_rows(
    rng: random.Random,
    streets: list[tuple[str, str, str]],
    handlers: dict[str, list[str]],
    apprentices: dict[str, str] | None = None,
) -> list[list]:
    """The demo's case-file export as spreadsheet rows (without the header), in the import's columns. Pure.

    `streets`: (code, district code, unit path) in path order; `handlers`: street code → employee numbers of the
    appointed officers who handle its cases (the first few of them handle, any other may co-handle);
    `apprentices`: street code → employee number of an officer who handles the street's first case of the year
    with their senior as co-handler (the draw of the first-half round takes it: one file per handler)."""
    rows = []
    first_half = (datetime.date(YEAR, 1, 5), datetime.date(YEAR, 6, 30))
    second_half = (datetime.date(YEAR, 7, 1), datetime.date(YEAR, 10, 28))
    for code, district, path in streets:
        staff = handlers.get(code) or []
        if not staff:
            continue
        count = CASES_PER_STREET.get(district, DEFAULT_CASES)
        early = FIRST_HALF_PER_DEMO_STREET if district == DISTRICT else count // 2
        lead = staff[:HANDLERS_PER_STREET]
        for i in range(count):
            kind, code_letter, title, provisions, summary, fine = rng.choices(
                VIOLATIONS, weights=KIND_WEIGHTS
            )[0]
            start, end = first_half if i < early else second_half
            length = {"罚": (20, 60), "改": (7, 30), "强": (15, 45), "检": (0, 3)}[code_letter]
            closed = _date(rng, start + datetime.timedelta(days=length[1]), end)
            opened = closed - datetime.timedelta(days=rng.randint(*length))
            handler = rng.choice(lead)
            others = [e for e in staff if e != handler]
            co = (
                rng.sample(others, k=min(len(others), rng.choice((1, 1, 1, 2))))
                if rng.random() < 0.75
                else []
            )
            apprentice = (apprentices or {}).get(code)
            if i == 0 and apprentice in staff and apprentice != handler:
                handler, co = apprentice, [handler, *(e for e in co if e != apprentice)]
            company = f"{rng.choice(PLACES)}{rng.choice(TRADES)}有限公司"
            amount = (
                str(round(rng.randint(*fine) / 1000) * 1000)
                if fine is not None and kind == "行政处罚"
                else ""
            )
            rows.append(
                [
                    (district, code_letter),  # numbered below, in the order the cases were opened
                    f"{company}{title}案" if kind != "检查" else f"对{company}的{title}",
                    kind,
                    path,
                    handler,
                    "、".join(co),
                    opened.isoformat(),
                    closed.isoformat(),
                    provisions,
                    summary.format(n=rng.randint(2, 6)),
                    company,
                    amount,
                ]
            )
    # 案号: the district's sequence per kind of document, in the order of opening; the gaps are the cases of the
    # district's own enforcement team, which are not in the demo.
    numbers: dict[tuple[str, str], int] = {}
    for row in sorted(rows, key=lambda r: (r[6], r[3], r[1])):
        key = row[0]
        numbers[key] = numbers.get(key, 0) + rng.randint(1, 3)
        row[0] = f"{DISTRICT_PREFIX.get(key[0], '')}应急{key[1]}〔{YEAR}〕{numbers[key]}号"
    return rows


def _appointed_by_street() -> dict[str, list[str]]:
    """Employee numbers of each street's appointed officers (civil servants and full-time officers in post, not
    trainees), by seniority of their record."""
    rows = (
        Officer.objects.filter(
            status=Officer.Status.ACTIVE,
            unit__kind=Unit.Kind.STREET,
            staff_category__in=[StaffCategory.CIVIL_SERVANT, StaffCategory.FULL_TIME],
        )
        .exclude(user__groups__name="trainee")
        .order_by("employee_no")
        .values_list("unit__code", "employee_no")
    )
    result: dict[str, list[str]] = {}
    for code, employee_no in rows:
        result.setdefault(code, []).append(employee_no)
    # demo_mentor handles cases of their street too, so the demo login sees a handler's results and follow-ups.
    mentor = (
        Officer.objects.filter(user__username="demo_mentor").values_list("unit__code", "employee_no").first()
    )
    if mentor and mentor[1] in result.get(mentor[0], []):
        result[mentor[0]].remove(mentor[1])
        result[mentor[0]].insert(0, mentor[1])
    return result


def _apprentices_in_post(handlers: dict[str, list[str]]) -> dict[str, str]:
    """The demo district's first appointed officer (by employee number) who still has a mentor with a login, as
    {street code: employee number}; empty when the mentoring demo left nobody in post under a mentor."""
    district = Unit.objects.filter(code=DISTRICT).first()
    if district is None:
        return {}
    codes = set(
        Unit.objects.filter(path__startswith=district.path, kind=Unit.Kind.STREET).values_list(
            "code", flat=True
        )
    )
    numbers = {n: code for code, staff in handlers.items() if code in codes for n in staff}
    for officer in Officer.objects.filter(employee_no__in=numbers).order_by("employee_no"):
        mentor = extensions.current_mentor(officer)
        if mentor is not None and mentor.user_id is not None:
            return {numbers[officer.employee_no]: officer.employee_no}
    return {}


def _streets() -> list[tuple[str, str, str]]:
    units = list(Unit.objects.order_by("path"))
    by_path = {u.path: u for u in units}
    out = []
    for unit in units:
        if unit.kind != Unit.Kind.STREET:
            continue
        chain = [by_path[unit.path[: n * Unit.steplen]] for n in range(1, unit.depth + 1)]
        district = next((u.code for u in chain if u.kind == Unit.Kind.DISTRICT), "")
        out.append((unit.code, district, "/".join(u.name for u in chain)))
    return out


def seed_cases(rng: random.Random) -> int:
    """Load the case files through the case import (the export's columns, Chinese headers); returns how many."""
    handlers = _appointed_by_street()
    rows = case_rows(rng, _streets(), handlers, _apprentices_in_post(handlers))
    if CaseFile.objects.filter(number__in=[r[0] for r in rows]).count() == len(rows):
        return 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["案号", "案由", "案件类型", "承办单位", "承办人工号", "协办人工号", "立案日期", "结案日期", "适用法律条款",
         "案情摘要", "当事人", "罚款金额"]
    )  # fmt: skip
    writer.writerows(rows)
    result = import_cases(actor=None, file_name=FILE_NAME, data=buffer.getvalue().encode("utf-8"))
    if result.errors:
        raise RuntimeError(f"demo case import refused: {result.errors[:3]}")
    return len(result.created)


# ---------------------------------------------------------------------------------------------------------------
# Review rounds


def _item_scores(rng: random.Random, items, quality: float, weak: set[str]) -> dict[int, tuple[Decimal, str]]:
    """A reviewer's scores for one file: around the file's quality, low on its weak items; findings where low."""
    scores = {}
    for item in items:
        if item.code in weak:
            raw = rng.uniform(3.5, 5.5)
        else:
            raw = quality / 100 * item.max_score + rng.gauss(0, 0.5)
        score = Decimal(str(round(_clip(raw, 2, item.max_score) * 2) / 2))
        if score < Decimal("0.8") * item.max_score:
            finding = rng.choice(WEAK_FINDINGS.get(item.code) or [""])
        elif score == item.max_score:
            finding = GOOD_FINDINGS.get(item.code, "")
        else:
            finding = ""
        scores[item.pk] = (score, finding)
    return scores


def _shift(scores: dict, items, delta: float) -> dict:
    """The same review, every item `delta` points lower (within 0..max): a reviewer who disagrees."""
    top = {item.pk: item.max_score for item in items}
    out = {}
    for pk, (score, finding) in scores.items():
        lowered = Decimal(str(_clip(float(score) - delta, 0, top[pk])))
        out[pk] = (lowered, finding or (WEAK_FINDINGS["documents"][0] if lowered < 6 else ""))
    return out


def _submit(assignment: ReviewAssignment, scores: dict, rng: random.Random) -> CaseReview:
    return reviews.submit_review(
        by=assignment.reviewer.user, assignment=assignment, scores=scores, comment=rng.choice(REVIEW_COMMENTS)
    )


def _open_and_draw(
    *, leader, district: Unit, rubric: Rubric, name: str, start, end, seed: int
) -> ReviewRound:
    round_ = rounds.open_round(
        by=leader,
        unit=district,
        period_start=start,
        period_end=end,
        rubric=rubric,
        name=name,
        per_street=2,
        min_per_handler=1,
        seed=seed,
    )
    return rounds.draw_and_assign(by=leader, round_=round_)


def _assignments(round_: ReviewRound, ordinals=(1, 2)) -> list[ReviewAssignment]:
    return list(
        ReviewAssignment.objects.filter(round_case__round=round_, ordinal__in=ordinals)
        .select_related("reviewer__user", "round_case__case")
        .order_by("round_case__draw_order", "ordinal")
    )


def seed_closed_round(rng: random.Random, *, leader, district: Unit, rubric: Rubric) -> ReviewRound | None:
    """January–June: drawn, reviewed twice (one file a third time: its first two scores differ by more than the
    gap), closed by demo_leader, which scores every file and sets the follow-ups of low tagged findings."""
    if ReviewRound.objects.filter(name=CLOSED_ROUND, unit=district).exists():
        return None
    round_ = _open_and_draw(
        leader=leader,
        district=district,
        rubric=rubric,
        name=CLOSED_ROUND,
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 6, 30),
        seed=CLOSED_ROUND_SEED,
    )
    items = list(rubric.items.order_by("sort_order", "id"))
    codes = [item.code for item in items]
    files: dict[int, tuple[float, set[str]]] = {}
    disputed = None
    first: dict[int, dict] = {}
    mentor_id = Officer.objects.filter(user__username="demo_mentor").values_list("pk", flat=True).first()
    mentor_file = None
    apprentice_ids = set(
        Officer.objects.filter(
            employee_no__in=_apprentices_in_post(_appointed_by_street()).values()
        ).values_list("pk", flat=True)
    )
    for assignment in _assignments(round_):
        rc = assignment.round_case
        if rc.pk not in files:
            weak = set(rng.sample(codes, k=rng.choice((1, 2)))) if rng.random() < 0.3 else set()
            if rc.case.handler_id == mentor_id and mentor_file is None:
                mentor_file, weak = rc.pk, {"documents"}  # demo_mentor's file: /me/ shows a follow-up
            elif rc.case.handler_id in apprentice_ids:
                weak = APPRENTICE_WEAK  # a newcomer's file: the follow-up gives their mentor an 出题目 task
            files[rc.pk] = (rng.uniform(78, 95), weak)
        quality, weak = files[rc.pk]
        if assignment.ordinal == 2 and disputed is None and not weak and rc.pk in first:
            disputed = rc.pk  # the second reviewer is much stricter: the file goes to a third reviewer
            scores = _shift(first[rc.pk], items, 2.5)
        else:
            scores = _item_scores(rng, items, quality, weak)
        first.setdefault(rc.pk, scores)
        _submit(assignment, scores, rng)
    for assignment in _assignments(round_, ordinals=(3,)):
        quality, weak = files[assignment.round_case_id]
        _submit(assignment, _item_scores(rng, items, quality - 6, weak), rng)
    return rounds.close_round(by=leader, round_=round_)


def _fmt(score: Decimal) -> str:
    return f"{score.normalize():f}"


def seed_correction(*, leader, closed: ReviewRound | None) -> CaseReview | None:
    """demo_leader re-checks the closed round and corrects one review (a new row that corrects it, both audited):
    of the files scored on two reviews, the item where the two reviewers differ most, the lower score neither low
    nor explained by a finding: it is raised to the other reviewer's. The file stays within the third-review gap;
    the service recomputes its score."""
    if (
        closed is None
        or CaseReview.objects.filter(assignment__round_case__round=closed, corrects__isnull=False).exists()
    ):
        return None
    items = list(closed.rubric.items.order_by("sort_order", "id"))
    own = officer_of(leader)
    best = None  # (difference, review to correct, item id, new score)
    for rc in RoundCase.objects.filter(round=closed, needs_third=False).order_by("draw_order"):
        if own is not None and own.pk in rc.case.handler_ids():
            continue
        effective = reviews.effective_by_ordinal(rc)
        if set(effective) != {1, 2}:
            continue
        rows = {n: {s.item_id: s for s in review.scores.all()} for n, review in effective.items()}
        scores = {n: {pk: row.score for pk, row in by_item.items()} for n, by_item in rows.items()}
        for item in items:
            (low, n), (high, other) = sorted((scores[n][item.pk], n) for n in (1, 2))
            if low == high or rows[n][item.pk].finding or follow_ups.is_low(low, item.max_score):
                continue
            raised = reviews.review_total(items, {**scores[n], item.pk: high})
            if abs(raised - effective[other].total) > closed.third_review_gap:
                continue  # the correction must not send the closed round's file to a third review
            if best is None or high - low > best[0]:
                best = (high - low, effective[n], item.pk, high)
    if best is None:
        return None
    _diff, review, item_id, new_score = best
    current = {s.item_id: (s.score, s.finding) for s in review.scores.all()}
    old_score = current[item_id][0]
    current[item_id] = (new_score, "")
    name = next(item.name for item in items if item.pk == item_id)
    return reviews.correct_review(
        by=leader,
        review=review,
        scores=current,
        reason=CORRECTION_REASON.format(item=name, old=_fmt(old_score), new=_fmt(new_score)),
    )


def seed_open_round(rng: random.Random, *, leader, district: Unit, rubric: Rubric) -> ReviewRound | None:
    """July–December, under review: about half of the first reviews are in; demo_mentor's are all still to do."""
    if ReviewRound.objects.filter(name=OPEN_ROUND, unit=district).exists():
        return None
    round_ = _open_and_draw(
        leader=leader,
        district=district,
        rubric=rubric,
        name=OPEN_ROUND,
        start=datetime.date(YEAR, 7, 1),
        end=datetime.date(YEAR, 12, 31),
        seed=OPEN_ROUND_SEED,
    )
    items = list(rubric.items.order_by("sort_order", "id"))
    for assignment in _assignments(round_, ordinals=(1,)):
        if assignment.reviewer.user.username == "demo_mentor" or assignment.round_case.draw_order % 2:
            continue
        _submit(assignment, _item_scores(rng, items, rng.uniform(80, 92), set()), rng)
    return round_


# ---------------------------------------------------------------------------------------------------------------
# 执法考评


def seed_cycle(rng: random.Random, *, leader, district: Unit) -> AppraisalCycle | None:
    """The district's annual appraisal: demo_leader evaluates every officer in post, then decides the cycle."""
    if AppraisalCycle.objects.filter(name=CYCLE_NAME, unit=district).exists():
        return None
    cycle = appraisals.open_cycle(
        by=leader,
        name=CYCLE_NAME,
        unit=district,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        weights=CYCLE_WEIGHTS,
    )
    items = list(cycle.leader_rubric.items.order_by("sort_order", "id"))
    for officer in appraisal_selectors.cycle_officers(cycle, leader):
        level = _clip(rng.gauss(8.4, 0.8), 5.5, 9.8)
        scores = {
            item.pk: str(round(_clip(level + rng.gauss(0, 0.5), 3, 10) / 10 * item.max_score * 2) / 2)
            for item in items
        }
        appraisals.record_leader_evaluation(
            by=leader, cycle=cycle, officer=officer, scores=scores, comment=rng.choice(LEADER_COMMENTS)
        )
    appraisals.decide_cycle(by=leader, cycle=cycle)
    return cycle


# ---------------------------------------------------------------------------------------------------------------
# 交叉执法


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _photo(scene: int, rng: random.Random) -> bytes:
    """A small JPEG standing in for a site photo of a hazard, drawn with Pillow: 0 an unlocked distribution box with
    loose cables and an extinguisher, 1 an open pit with no warning sign or barrier, 2 an exit blocked by boxes."""
    w, h = PHOTO_SIZE
    tint = rng.randint(-15, 15)
    horizon = rng.randint(230, 260)
    image = Image.new("RGB", (w, h), (212 + tint, 206 + tint, 194 + tint))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, horizon, w, h), fill=(126 + tint, 120 + tint, 110 + tint))
    x = rng.randint(90, 250)
    if scene == 0:
        draw.rectangle((x, 60, x + 130, 210), fill=(150, 156, 160), outline=(80, 80, 80), width=3)
        draw.polygon([(x + 130, 60), (x + 190, 80), (x + 190, 235), (x + 130, 210)], fill=(172, 178, 182))
        for i, color in enumerate(((200, 40, 30), (30, 70, 200), (220, 190, 40))):
            start = x + 25 + 35 * i
            points = [(start, 210)] + [(start + rng.randint(-30, 30), 210 + 30 * k) for k in range(1, 5)]
            draw.line(points, fill=color, width=4)
        extinguisher = rng.randint(10, x - 50)
        draw.rounded_rectangle(
            (extinguisher, horizon - 80, extinguisher + 32, horizon + 8), radius=10, fill=(200, 30, 30)
        )
    elif scene == 1:
        draw.ellipse(
            (x - 40, horizon + 25, x + 170, horizon + 85), fill=(28, 28, 26), outline=(90, 90, 90), width=5
        )
        for rail in (x + 45, x + 85):
            draw.line([(rail, horizon - 40), (rail, horizon + 60)], fill=(170, 120, 40), width=4)
        for rung in range(horizon - 30, horizon + 60, 18):
            draw.line([(x + 45, rung), (x + 85, rung)], fill=(170, 120, 40), width=3)
    else:
        draw.rectangle((x, 80, x + 120, horizon), fill=(118, 80, 50), outline=(70, 50, 30), width=3)
        draw.rectangle((x + 15, 40, x + 105, 68), fill=(20, 150, 70))
        for row in range(3):
            for col in range(3 - row):
                left = x - 30 + col * 62 + row * 31 + rng.randint(-6, 6)
                top = horizon + 40 - (row + 1) * 48
                draw.rectangle(
                    (left, top, left + 58, top + 46), fill=(196, 150, 96), outline=(120, 86, 50), width=2
                )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _photos(findings: str, hazards: int, rng: random.Random) -> list[SimpleUploadedFile]:
    """The photos taken where hazards were found (one, two from two hazards on), as the phone would upload them."""
    if not hazards or findings not in CROSS_FINDINGS[True]:
        return []
    scene = CROSS_FINDINGS[True].index(findings)
    photos = []
    for _n in range(1 if hazards < 2 else 2):
        taken = f"IMG_{CROSS_DAY:%Y%m%d}_{rng.randint(9, 11):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}.jpg"
        photos.append(SimpleUploadedFile(taken, _photo(scene, rng), content_type="image/jpeg"))
    return photos


def seed_cross_enforcement(rng: random.Random, *, leader, district: Unit) -> TrainingSession | None:
    """A finished cross-enforcement day of the district: two appointed officers per street inspect enterprises of
    another street (paired by the service), attend, and their findings are recorded by demo_leader, with the photos
    of the hazards found (checked, re-encoded and stored privately by the service, as an upload from the phone)."""
    if TrainingSession.objects.filter(title=CROSS_SESSION, organizer=district).exists():
        return None
    streets = list(
        Unit.objects.filter(path__startswith=district.path, kind=Unit.Kind.STREET).order_by("path")
    )
    Enterprise.objects.bulk_create(
        Enterprise(name=name, unit=street, industry=industry, address=f"{street.name}{address}")
        for street, (name, industry, address) in zip(
            [s for s in streets for _i in range(2)], ENTERPRISES, strict=False
        )
    )
    session = TrainingSession.objects.create(
        title=CROSS_SESSION,
        kind=SessionKind.CROSS_ENFORCEMENT,
        organizer=district,
        location="东城区各街道辖区企业（集合地点：东城区应急管理局一楼大厅）",
        capacity=20,
        hours_per_day=Decimal("4"),
        status=TrainingSession.Status.OPEN,
        description="各街道抽调执法骨干，到其他街道辖区企业开展交叉执法检查，检查结束后集中交流。",
        registration_opens=_at(CROSS_DAY - datetime.timedelta(days=20), 9),
        registration_closes=_at(CROSS_DAY - datetime.timedelta(days=3), 18),
    )
    day = TrainingDay.objects.create(
        session=session, date=CROSS_DAY, start=datetime.time(8, 30), end=datetime.time(12, 0)
    )
    appointed = _appointed_by_street()
    officers = Officer.objects.filter(
        employee_no__in=[n for s in streets for n in appointed.get(s.code, [])[:2]]
    ).select_related("unit")
    for officer in officers.order_by("employee_no"):
        session_services.register(
            session=session,
            officer=officer,
            by=leader,
            now=session.registration_opens + datetime.timedelta(days=2),
        )
    inspections.pair_session(by=leader, session=session)
    attendance.record_attendance(
        day=day,
        statuses=dict.fromkeys((o.pk for o in officers), "present"),
        by=leader,
        now=_at(CROSS_DAY, 12),
    )
    photo_rng = random.Random(PHOTO_SEED)
    for inspection in CrossInspection.objects.filter(session=session).order_by("officer__employee_no"):
        hazards = rng.randint(0, 4)
        findings = rng.choice(CROSS_FINDINGS[bool(hazards)])
        inspections.record_inspection(
            by=leader,
            inspection=inspection,
            hazards_found=hazards,
            documents_issued=1 if hazards else 0,
            findings=findings,
            inspected_on=CROSS_DAY,
            photos=_photos(findings, hazards, photo_rng),
        )
    session.status = TrainingSession.Status.FINISHED
    session.save(update_fields=["status"])
    return session


# ---------------------------------------------------------------------------------------------------------------
# 执法示范


def seed_demonstration(*, leader, district: Unit) -> TrainingSession | None:
    """A finished enforcement demonstration (示范观摩) of the district: officers in post of every street (those who
    did not go to the cross-enforcement day, and demo_mentor) watch a confined-space inspection done by the book;
    demo_leader registers them and records the afternoon's attendance, which credits its hours (practice hours in
    the personal record). One watcher was excused and earns none."""
    if TrainingSession.objects.filter(title=DEMONSTRATION_SESSION, organizer=district).exists():
        return None
    session = TrainingSession.objects.create(
        title=DEMONSTRATION_SESSION,
        kind=SessionKind.DEMONSTRATION,
        organizer=district,
        location="东华街道东华精密机械有限公司（东华路18号）",
        capacity=30,
        hours_per_day=DEMONSTRATION_HOURS,
        status=TrainingSession.Status.OPEN,
        description="东华街道执法骨干现场演示有限空间作业专项执法检查的全过程：出示执法证件、检查作业审批和气体检测"
        "记录、制作现场检查记录和询问笔录、下达责令限期整改指令书。观摩人员现场记录，结束后集中点评。",
        registration_opens=_at(DEMONSTRATION_DAY - datetime.timedelta(days=14), 9),
        registration_closes=_at(DEMONSTRATION_DAY - datetime.timedelta(days=2), 18),
    )
    day = TrainingDay.objects.create(
        session=session, date=DEMONSTRATION_DAY, start=datetime.time(14, 0), end=datetime.time(17, 0)
    )
    streets = Unit.objects.filter(path__startswith=district.path, kind=Unit.Kind.STREET).order_by("path")
    appointed = _appointed_by_street()
    numbers = [n for s in streets for n in appointed.get(s.code, [])[2 : 2 + DEMONSTRATION_WATCHERS]]
    watchers = list(
        Officer.objects.filter(Q(employee_no__in=numbers) | Q(user__username="demo_mentor"))
        .select_related("unit", "user")
        .order_by("employee_no")
    )
    for officer in watchers:
        session_services.register(
            session=session,
            officer=officer,
            by=leader,
            now=session.registration_opens + datetime.timedelta(days=1),
        )
    statuses = dict.fromkeys((o.pk for o in watchers), "present")
    excused = [o for o in watchers if o.user is None or o.user.username != "demo_mentor"][-1:]
    statuses.update(dict.fromkeys((o.pk for o in excused), "excused"))
    attendance.record_attendance(day=day, statuses=statuses, by=leader, now=_at(DEMONSTRATION_DAY, 17))
    session.status = TrainingSession.Status.FINISHED
    session.save(update_fields=["status"])
    return session


# ---------------------------------------------------------------------------------------------------------------
# The case library


def _points(paths: list[str]) -> list[Category]:
    return reference.knowledge_points(Category, paths)


def _library(admin) -> CaseLibraryPage | None:
    page = CaseLibraryPage.objects.filter(slug=LIBRARY_SLUG).first()
    if page is not None:
        return page
    home = HomePage.objects.first()
    if home is None:
        return None
    page = CaseLibraryPage(title="执法案例库", slug=LIBRARY_SLUG, intro=LIBRARY_INTRO)
    home.add_child(instance=page)
    page.save_revision(user=admin).publish(user=admin)
    return page


def seed_library(*, admin, leader, closed: ReviewRound | None) -> int:
    """The library page, its three hand-written cases and the closed round's best file, proposed by demo_leader
    and approved by the administrator through the moderation workflow. Returns how many cases were published."""
    library_page = _library(admin)
    if library_page is None:
        return 0
    published = 0
    for title, slug, kind, facts, basis, procedure, lessons, tags, points, excerpt in LIBRARY_CASES:
        if CasePage.objects.filter(slug=slug).descendant_of(library_page).exists():
            continue
        page = CasePage(
            title=title,
            slug=slug,
            kind=kind,
            facts=facts,
            legal_basis=basis,
            procedure=procedure,
            lessons_learned=lessons,
            documents=[("excerpt", {"title": excerpt[0], "text": excerpt[1]})],
            owner=admin,
        )
        page.tags.add(*tags)
        library_page.add_child(instance=page)
        page.knowledge_points.set(_points(points))
        page.save_revision(user=admin).publish(user=admin)
        published += 1
    if closed is not None and not CasePage.objects.filter(source__round=closed).exists():
        best = (
            RoundCase.objects.filter(round=closed, score__isnull=False)
            .order_by("-score", "draw_order")
            .first()
        )
        if best is not None:
            page = library.propose_from_round(by=leader, round_case=best)
            state = page.current_workflow_state
            task_state = state.current_task_state
            task_state.task.specific.on_action(
                task_state, admin, "approve", comment="同意发布，作为示范案卷。"
            )
            published += 1
    return published


# ---------------------------------------------------------------------------------------------------------------


def seed(*, stdout, rng: random.Random) -> dict[str, int] | None:
    User = get_user_model()
    leader = User.objects.filter(username="demo_leader").first()
    admin = User.objects.filter(username="admin", is_superuser=True).first()
    district = Unit.objects.filter(code=DISTRICT).first()
    if leader is None or admin is None or district is None:
        stdout.write(_("Case appraisal: no demo district or demo logins; nothing to do."))
        return None
    # Now that the exam banks' categories exist, the default rubric's items get their knowledge points.
    reference.ensure_default_rubrics()
    rubric = reference.default_rubric()
    created = seed_cases(rng)
    closed = seed_closed_round(rng, leader=leader, district=district, rubric=rubric)
    closed_round = closed or ReviewRound.objects.filter(name=CLOSED_ROUND, unit=district).first()
    corrected = seed_correction(leader=leader, closed=closed_round)
    opened = seed_open_round(rng, leader=leader, district=district, rubric=rubric)
    cross = seed_cross_enforcement(rng, leader=leader, district=district)
    shown = seed_demonstration(leader=leader, district=district)
    cycle = seed_cycle(rng, leader=leader, district=district)
    published = seed_library(admin=admin, leader=leader, closed=closed_round)
    if not (created or closed or corrected or opened or cross or shown or cycle or published):
        stdout.write(_("Case appraisal: the demo data is in place; nothing to change."))
        return None
    summary = {
        "cases": CaseFile.objects.count(),
        "rounds": ReviewRound.objects.filter(unit=district).count(),
        "reviews": CaseReview.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "inspections": CrossInspection.objects.filter(session__title=CROSS_SESSION).count(),
        "appraised": Appraisal.objects.filter(cycle__name=CYCLE_NAME).count(),
        "library": CasePage.objects.live().count(),
    }
    stdout.write(
        _(
            "Case appraisal: %(cases)s case files, %(rounds)s review rounds with %(reviews)s reviews and "
            "%(follow_ups)s follow-ups, %(inspections)s cross-enforcement inspections, %(appraised)s officers "
            "appraised, %(library)s cases in the library."
        )
        % summary
    )
    return summary
