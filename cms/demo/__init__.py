"""The demo city (示范市): a deterministic plan of units, people and their employment history, and its idempotent loader.

`build_plan(rng)` is pure (no ORM): it simulates hiring waves, separations, internal transfers and rehires month by
month from a fixed anchor period, so the same seed always gives the same city. `seed()` writes the plan, creating only
what is missing, and (re)applies the demo logins' passwords, roles and scopes.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, identify_hasher, is_password_usable, make_password
from django.contrib.auth.models import Group
from django.utils.translation import gettext

from cms import audit
from cms.models import EmploymentSpell, Officer, Post, Specialty, Unit, UserScope
from cms.signals import officers_changed

SEED = 20260101
DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 - published demo password, see README
# History is generated relative to this fixed window, never to today, so every run and test sees the same city.
HISTORY_START = datetime.date(2021, 1, 1)
HISTORY_END = datetime.date(2026, 10, 31)
TRAINEE_WINDOW_START = datetime.date(2025, 5, 1)  # hired within the ~18 months before HISTORY_END
MENTOR_MIN_SERVICE_START = datetime.date(2023, 10, 31)  # ≥ 3 years of service at HISTORY_END

CIVIL, FULL, AUX = "civil_servant", "full_time", "auxiliary"
CATEGORIES = (CIVIL, FULL, AUX)

CITY = ("C01", "示范市")
DISTRICTS = [
    (
        "D01",
        "东城区",
        [("S0101", "东华街道"), ("S0102", "朝阳门街道"), ("S0103", "建国街道"), ("S0104", "龙潭街道")],
    ),
    (
        "D02",
        "西城区",
        [("S0201", "西苑街道"), ("S0202", "金融街街道"), ("S0203", "白塔街道"), ("S0204", "广安街道")],
    ),
    (
        "D03",
        "南湖区",
        [("S0301", "南湖街道"), ("S0302", "滨江街道"), ("S0303", "新港街道"), ("S0304", "柳岸街道")],
    ),
    (
        "D04",
        "北山区",
        [("S0401", "北山街道"), ("S0402", "青峰街道"), ("S0403", "石门街道"), ("S0404", "松林街道")],
    ),
]
STREET_DISTRICT = {street: district for district, _name, streets in DISTRICTS for street, _n in streets}
STREETS = list(STREET_DISTRICT)
DEMO_STREET = "S0101"  # 东华街道: home of demo_trainee and demo_mentor
DEMO_DISTRICT = "D01"  # 东城区: scope of demo_hr and demo_leader

SPECIALTIES = ["危险化学品", "消防", "建筑施工", "工贸", "特种设备", "交通运输", "应急救援", "法律"]

# Monthly probability of leaving the system, by category; the first year is riskier for contract staff.
LEAVE_HAZARD = {CIVIL: 0.0025, FULL: 0.008, AUX: 0.022}
FIRST_YEAR_FACTOR = {CIVIL: 1.0, FULL: 1.5, AUX: 1.5}
TRANSFER_HAZARD = {CIVIL: 0.003, FULL: 0.002, AUX: 0.0006}
REHIRE_PROBABILITY = 0.12
LEAVE_REASONS = {
    AUX: [
        ("resigned", 50),
        ("contract_ended", 25),
        ("dismissed", 8),
        ("transferred_out", 5),
        ("other", 7),
        ("retired", 5),
    ],
    FULL: [
        ("resigned", 40),
        ("contract_ended", 15),
        ("transferred_out", 20),
        ("dismissed", 4),
        ("retired", 8),
        ("other", 13),
    ],
    CIVIL: [("transferred_out", 35), ("retired", 40), ("resigned", 10), ("other", 15)],
}
REHIRABLE_REASONS = {"resigned", "contract_ended", "other"}
RETIREMENT_AGE = {"M": 60, "F": 55}

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = (
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国志海东晨阳博文睿泽宏振毅昊然立成永庆"
)
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲燕婷雪慧颖琳倩洁晶佳欣怡梅莉萍红月璐瑶琪露丹悦妍雯蕾婧晓薇岚琴"
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
                  "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199"]  # fmt: skip
EDUCATION = {
    CIVIL: [("bachelor", 62), ("master", 28), ("college", 10)],
    FULL: [("bachelor", 50), ("college", 38), ("master", 5), ("high_school", 7)],
    AUX: [("college", 50), ("high_school", 35), ("bachelor", 15)],
}
MALE_SHARE = {CIVIL: 0.6, FULL: 0.7, AUX: 0.72}

# Open posts (岗位) per district: (unit code, title, openings, wanted specialties, description).
POSTS = [
    (
        "D01",
        "危险化学品专项检查岗",
        2,
        ["危险化学品", "消防"],
        "负责辖区危险化学品经营、储存单位的日常检查与隐患复查。",
    ),
    (
        "S0101",
        "建筑施工安全巡查岗",
        1,
        ["建筑施工", "特种设备"],
        "巡查在建工地，督促落实高处作业、起重吊装等安全措施。",
    ),
    ("S0103", "消防安全检查岗", 1, ["消防", "应急救援"], "开展九小场所、沿街商铺消防安全检查。"),
    ("S0104", "执法文书与法制审核岗", 1, ["法律"], "审核执法文书，指导街道依法规范开展行政检查与处罚。"),
    ("D02", "工贸企业执法岗", 2, ["工贸", "法律"], "对工贸企业开展分类分级执法检查。"),
    ("S0202", "特种设备监管协查岗", 1, ["特种设备"], "配合市场监管部门排查电梯、锅炉、压力容器使用安全。"),
    ("S0204", "应急值守与处置岗", 1, ["应急救援", "消防"], "承担街道应急值守、信息报送和先期处置。"),
    ("D03", "交通运输安全检查岗", 1, ["交通运输"], "检查辖区物流园区、客货运企业安全生产主体责任落实。"),
    ("S0301", "危险化学品专项检查岗", 1, ["危险化学品"], "滨湖化工仓储集中区的日常巡查与重大危险源监控。"),
    ("S0302", "建筑施工安全巡查岗", 2, ["建筑施工"], "新区开发片区在建项目的安全巡查。"),
    ("D04", "应急救援队伍建设岗", 1, ["应急救援", "消防"], "组织街道应急队伍训练、演练和物资管理。"),
    ("S0401", "工贸企业执法岗", 1, ["工贸", "特种设备"], "对山区小型加工企业开展执法检查。"),
    ("S0403", "执法文书与法制审核岗", 1, ["法律", "工贸"], "统一街道执法文书格式，开展以案释法。"),
]

DEMO_LOGINS = ("admin", "demo_trainee", "demo_mentor", "demo_hr", "demo_training", "demo_leader")
# Staff accounts that are not officers: username → (display name, role group, scope unit code).
DEMO_STAFF = {
    "demo_hr": ("周敏", "hr", DEMO_DISTRICT),
    "demo_training": ("郑晓岚", "training_admin", CITY[0]),
    "demo_leader": ("孙建国", "unit_leader", DEMO_DISTRICT),
}
ADMIN_NAME = "系统管理员"


@dataclass
class SpellPlan:
    unit: str
    category: str
    hire: datetime.date
    leave: datetime.date | None = None
    reason: str = ""


@dataclass
class PersonPlan:
    key: int
    gender: str
    name: str = ""
    spells: list[SpellPlan] = field(default_factory=list)
    birth_date: datetime.date | None = None
    phone: str = ""
    education: str = ""
    specialties: list[str] = field(default_factory=list)
    employee_no: str = ""
    username: str = ""

    @property
    def last(self) -> SpellPlan:
        return self.spells[-1]

    @property
    def active(self) -> bool:
        return self.last.leave is None

    @property
    def first_hire(self) -> datetime.date:
        return self.spells[0].hire

    def service_start(self) -> datetime.date:
        """Start of the current continuous service (internal transfers do not interrupt it; a gap does)."""
        start = self.last.hire
        for prev in reversed(self.spells[:-1]):
            if prev.leave == start and prev.reason == "internal_transfer":
                start = prev.hire
            else:
                break
        return start


@dataclass
class Plan:
    people: list[PersonPlan]
    trainees: set[str]  # usernames
    mentors: set[str]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _months(start: datetime.date, end: datetime.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _day_in_month(
    rng: random.Random, year: int, month: int, after: datetime.date | None = None
) -> datetime.date:
    last = calendar.monthrange(year, month)[1]
    first = 1
    if after is not None and (after.year, after.month) == (year, month):
        first = after.day + 1
    return datetime.date(year, month, rng.randint(first, max(first, last)))


def _years_before(date: datetime.date, years: int) -> datetime.date:
    try:
        return date.replace(year=date.year - years)
    except ValueError:  # 29 February
        return date.replace(year=date.year - years, day=28)


class _Simulation:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.people: list[PersonPlan] = []
        self.size = {street: rng.uniform(0.8, 1.25) for street in STREETS}

    # --- establishment -------------------------------------------------------------------------------------
    def target(self, street: str, category: str, date: datetime.date) -> int:
        base = {CIVIL: 4, FULL: 7, AUX: 8}[category]
        if category == FULL:  # the full-time programme grows: more posts from 2023 and again from 2025
            base += (date >= datetime.date(2023, 3, 1)) + (date >= datetime.date(2025, 3, 1))
        return max(2, round(base * self.size[street]))

    def headcount(self) -> Counter[tuple[str, str]]:
        return Counter((p.last.unit, p.last.category) for p in self.people if p.active)

    # --- people --------------------------------------------------------------------------------------------
    def new_person(self, category: str) -> PersonPlan:
        gender = "M" if self.rng.random() < MALE_SHARE[category] else "F"
        person = PersonPlan(key=len(self.people), gender=gender)
        self.people.append(person)
        return person

    def hire(
        self, street: str, category: str, date: datetime.date, *, allow_rehire: bool = True
    ) -> PersonPlan:
        person = None
        if allow_rehire and self.rng.random() < REHIRE_PROBABILITY:
            person = self._rehire_candidate(category, date)
        if person is None:
            person = self.new_person(category)
        person.spells.append(SpellPlan(street, category, date))
        return person

    def _rehire_candidate(self, category: str, date: datetime.date) -> PersonPlan | None:
        candidates = [
            p
            for p in self.people
            if not p.active
            and p.last.reason in REHIRABLE_REASONS
            and (p.last.category == category or (p.last.category == AUX and category == FULL))
            and datetime.timedelta(days=120) <= date - p.last.leave <= datetime.timedelta(days=4 * 365)
        ]
        return self.rng.choice(candidates) if candidates else None

    # --- history -------------------------------------------------------------------------------------------
    def initial_workforce(self) -> None:
        years = {CIVIL: range(1998, 2021), FULL: range(2012, 2021), AUX: range(2016, 2021)}
        for street in STREETS:
            for category in CATEGORIES:
                for _i in range(self.target(street, category, HISTORY_START)):
                    span = list(years[category])
                    # Survivors of earlier years are fewer: weight recent years more.
                    year = self.rng.choices(span, weights=[1 + i for i in range(len(span))])[0]
                    if category == CIVIL:
                        date = datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
                    else:
                        date = datetime.date(year, self.rng.choice((3, 9)), 1)
                    self.hire(street, category, date, allow_rehire=False)

    def leave_reason(self, person: PersonPlan, date: datetime.date) -> str:
        while True:
            reason = _weighted(self.rng, LEAVE_REASONS[person.last.category])
            # Retirement needs a long career, so the birth date drawn later stays plausible.
            if reason != "retired" or (date - person.first_hire).days >= 8 * 365:
                return reason

    def month(self, year: int, month: int) -> None:
        rng = self.rng
        for person in list(self.people):
            if not person.active:
                continue
            spell = person.last
            if (spell.hire.year, spell.hire.month) == (year, month):
                continue
            category = spell.category
            hazard = LEAVE_HAZARD[category]
            if (datetime.date(year, month, 1) - spell.hire).days < 365:
                hazard *= FIRST_YEAR_FACTOR[category]
            draw = rng.random()
            if draw < hazard:
                spell.leave = _day_in_month(rng, year, month, after=spell.hire)
                spell.reason = self.leave_reason(person, spell.leave)
            elif draw < hazard + TRANSFER_HAZARD[category]:
                date = _day_in_month(rng, year, month, after=spell.hire)
                same_district = [s for s in STREETS if STREET_DISTRICT[s] == STREET_DISTRICT[spell.unit]]
                pool = same_district if rng.random() < 0.7 else STREETS
                target = rng.choice([s for s in pool if s != spell.unit])
                spell.leave, spell.reason = date, "internal_transfer"
                person.spells.append(SpellPlan(target, category, date))

        # Civil servants are assigned whenever a vacancy exists; contract staff join in spring and autumn cohorts.
        first_day = datetime.date(year, month, 1)
        headcount = self.headcount()
        for street in STREETS:
            vacancies = self.target(street, CIVIL, first_day) - headcount[street, CIVIL]
            for _i in range(max(0, vacancies)):
                if rng.random() < 0.3:
                    self.hire(street, CIVIL, _day_in_month(rng, year, month))
            if month in (3, 9):
                for category in (FULL, AUX):
                    wanted = self.target(street, category, first_day) - headcount[street, category]
                    if category == AUX:
                        wanted += rng.random() < 0.3  # auxiliary posts are filled generously
                    for _i in range(max(0, wanted)):
                        self.hire(street, category, first_day)

    def run(self) -> None:
        self.initial_workforce()
        for year, month in _months(HISTORY_START, HISTORY_END):
            self.month(year, month)


def _fill_attributes(rng: random.Random, people: list[PersonPlan]) -> None:
    used_names: set[str] = set()
    used_phones: set[str] = set()
    for person in people:
        category = person.spells[0].category
        chars = GIVEN_MALE if person.gender == "M" else GIVEN_FEMALE
        for _attempt in range(50):
            given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
            name = rng.choice(SURNAMES) + given
            if name not in used_names:
                break
        used_names.add(name)
        person.name = name
        while True:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in used_phones:
                break
        used_phones.add(phone)
        person.phone = phone
        person.education = _weighted(rng, EDUCATION[category])
        k = _weighted(rng, [(1, 4), (2, 4), (3, 2)])
        weights = [3, 3, 3, 3, 2, 2, 2, 3 if category == CIVIL else 1]
        chosen: list[str] = []
        while len(chosen) < k:
            pick = rng.choices(SPECIALTIES, weights=weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        person.specialties = sorted(chosen, key=SPECIALTIES.index)
        retired = [s for s in person.spells if s.reason == "retired"]
        if retired:
            birthday = _years_before(retired[-1].leave, RETIREMENT_AGE[person.gender])
            person.birth_date = birthday - datetime.timedelta(days=rng.randint(0, 90))
        else:
            age = {CIVIL: rng.randint(22, 32), FULL: rng.randint(22, 36), AUX: rng.randint(20, 42)}[category]
            # Nobody still active should be past retirement age at the end of the history.
            age = min(age, 57 - (HISTORY_END - person.first_hire).days // 365)
            person.birth_date = _years_before(person.first_hire, age) - datetime.timedelta(
                days=rng.randint(0, 364)
            )


def build_plan(rng: random.Random) -> Plan:
    """The whole demo city as plain data. Deterministic for a given rng state."""
    sim = _Simulation(rng)
    sim.run()
    # demo_trainee: a full-time officer of the autumn 2026 cohort in 东华街道.
    demo_trainee = sim.new_person(FULL)
    demo_trainee.gender = "M"
    demo_trainee.spells.append(SpellPlan(DEMO_STREET, FULL, datetime.date(2026, 9, 1)))
    people = sim.people
    _fill_attributes(rng, people)

    counters: Counter[int] = Counter()
    for person in sorted(people, key=lambda p: (p.first_hire, p.key)):
        counters[person.first_hire.year] += 1
        person.employee_no = f"AJ{person.first_hire.year}{counters[person.first_hire.year]:04d}"
        person.username = person.employee_no
    demo_trainee.username = "demo_trainee"

    active = [p for p in people if p.active]
    trainees = {p.username for p in active if p.service_start() >= TRAINEE_WINDOW_START}
    # Mentors: two senior civil servants / full-time officers per street, plus two veteran auxiliaries.
    experienced = sorted(
        (p for p in active if p.service_start() <= MENTOR_MIN_SERVICE_START),
        key=lambda p: (p.service_start(), p.key),
    )
    mentors: list[PersonPlan] = []
    for street in STREETS:
        local = [p for p in experienced if p.last.unit == street and p.last.category != AUX]
        # The street's senior civil servant and senior full-time officer; else its two most senior.
        picks = [next((p for p in local if p.last.category == c), None) for c in (CIVIL, FULL)]
        picks = [p for p in picks if p is not None]
        mentors += picks + [p for p in local if p not in picks][: 2 - len(picks)]
    mentors += [p for p in experienced if p.last.category == AUX][:2]
    demo_mentor = next(p for p in mentors if p.last.unit == DEMO_STREET)
    demo_mentor.username = "demo_mentor"
    return Plan(people=people, trainees=trainees, mentors={p.username for p in mentors})


# ------------------------------------------------------------------------------------------------------------
# Writing the plan
# ------------------------------------------------------------------------------------------------------------


def _ensure_units() -> tuple[dict[str, object], int]:

    units = {u.code: u for u in Unit.objects.all()}
    created = 0

    def ensure(code, name, kind, parent=None):
        nonlocal created
        if code in units:
            return units[code]
        if parent is None:
            unit = Unit.add_root(code=code, name=name, kind=kind)
        else:
            parent.refresh_from_db()
            unit = parent.add_child(code=code, name=name, kind=kind)
        units[code] = unit
        created += 1
        return unit

    city = ensure(*CITY, Unit.Kind.CITY)
    for code, name, streets in DISTRICTS:
        district = ensure(code, name, Unit.Kind.DISTRICT, city)
        for street_code, street_name in streets:
            ensure(street_code, street_name, Unit.Kind.STREET, district)
    return units, created


def _ensure_people(plan: Plan, units, specialties) -> tuple[list[int], int]:
    """Create the officers (with users, specialties and spells) that do not exist yet; return their ids and spells."""

    User = get_user_model()
    existing = set(
        Officer.objects.filter(employee_no__in=[p.employee_no for p in plan.people]).values_list(
            "employee_no", flat=True
        )
    )
    missing = [p for p in plan.people if p.employee_no not in existing]
    if not missing:
        return [], 0
    usernames = [p.username for p in missing]
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=p.username, first_name=p.name, password=make_password(None), is_active=True)
            for p in missing
            if p.username not in taken
        ],
        batch_size=500,
    )
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    Officer.objects.bulk_create(
        [
            Officer(
                user_id=user_ids[p.username],
                employee_no=p.employee_no,
                name=p.name,
                gender=p.gender,
                birth_date=p.birth_date,
                phone=p.phone,
                unit=units[p.last.unit],
                staff_category=p.last.category,
                education=p.education,
                status=Officer.Status.ACTIVE if p.active else Officer.Status.LEFT,
            )
            for p in missing
        ],
        batch_size=500,
    )
    officer_ids = dict(
        Officer.objects.filter(employee_no__in=[p.employee_no for p in missing]).values_list(
            "employee_no", "pk"
        )
    )
    Officer.specialties.through.objects.bulk_create(
        [
            Officer.specialties.through(
                officer_id=officer_ids[p.employee_no], specialty_id=specialties[name].pk
            )
            for p in missing
            for name in p.specialties
        ],
        batch_size=1000,
    )
    spells = EmploymentSpell.objects.bulk_create(
        [
            EmploymentSpell(
                officer_id=officer_ids[p.employee_no],
                unit=units[s.unit],
                staff_category=s.category,
                hire_date=s.hire,
                leave_date=s.leave,
                leave_reason=s.reason,
            )
            for p in missing
            for s in p.spells
        ],
        batch_size=1000,
    )
    return sorted(officer_ids.values()), len(spells)


def _ensure_role_members(plan: Plan) -> int:
    """Bulk group membership for the many trainees and mentors (existing rows are left alone)."""

    User = get_user_model()
    groups = dict(Group.objects.filter(name__in=["trainee", "mentor"]).values_list("name", "pk"))
    user_ids = dict(
        User.objects.filter(username__in=plan.trainees | plan.mentors).values_list("username", "pk")
    )
    Through = User.groups.through
    wanted = {(user_ids[u], groups["trainee"]) for u in plan.trainees if u in user_ids}
    wanted |= {(user_ids[u], groups["mentor"]) for u in plan.mentors if u in user_ids}
    present = set(
        Through.objects.filter(user_id__in=user_ids.values(), group_id__in=groups.values()).values_list(
            "user_id", "group_id"
        )
    )
    new = sorted(wanted - present)
    Through.objects.bulk_create([Through(user_id=u, group_id=g) for u, g in new], batch_size=1000)
    return len(new)


def _demo_password_hash(current) -> str:
    """One encoded hash of the published demo password shared by all demo logins.

    Hashing is deliberately slow (about 0.5 s with PBKDF2), so reuse a stored hash that still verifies and is
    up to date instead of hashing six times on every run.
    """

    for encoded in dict.fromkeys(current):
        if not is_password_usable(encoded):
            continue
        try:
            if identify_hasher(encoded).must_update(encoded):
                continue
        except ValueError:
            continue
        if check_password(DEMO_PASSWORD, encoded):
            return encoded
    return make_password(DEMO_PASSWORD)


def _ensure_demo_logins(plan: Plan, units) -> int:
    """Accounts, names, roles, scopes and the published password of the six demo logins; returns how many changed."""

    User = get_user_model()
    names = {p.username: p.name for p in plan.people if p.username in DEMO_LOGINS}
    names["admin"] = ADMIN_NAME
    encoded = _demo_password_hash(
        User.objects.filter(username__in=DEMO_LOGINS).values_list("password", flat=True)
    )
    changed = 0
    for username in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=username)
        dirty = created
        wanted = {"first_name": names.get(username) or DEMO_STAFF[username][0], "is_active": True}
        if username == "admin":
            wanted |= {"is_superuser": True, "is_staff": True}
        for attr, value in wanted.items():
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                dirty = True
        if user.password != encoded:
            user.password = encoded
            dirty = True
        if dirty:
            user.save()
        if username in DEMO_STAFF:
            _name, role, scope_code = DEMO_STAFF[username]
            user.groups.add(Group.objects.get(name=role))
            scope, scope_created = UserScope.objects.get_or_create(
                user=user, defaults={"unit": units[scope_code]}
            )
            if scope.unit_id != units[scope_code].pk:
                scope.unit = units[scope_code]
                scope.save(update_fields=["unit"])
                dirty = True
            dirty = dirty or scope_created
        changed += dirty
    # Officer demo logins: trainee/mentor membership comes from the plan; make sure it holds even if edited since.
    for username, role in (("demo_trainee", "trainee"), ("demo_mentor", "mentor")):
        User.objects.get(username=username).groups.add(Group.objects.get(name=role))
    return changed


def _ensure_posts(units, specialties) -> int:

    created = 0
    for code, title, openings, wanted, description in POSTS:
        post, was_created = Post.objects.get_or_create(
            unit=units[code],
            title=title,
            defaults={"openings": openings, "description": description, "is_open": True},
        )
        if was_created:
            post.wanted_specialties.set([specialties[name] for name in wanted])
            created += 1
    return created


def seed(*, stdout, rng: random.Random | None = None) -> dict[str, int]:
    """Load the demo city. Call inside a transaction; creates only what is missing. Returns what it created."""

    plan = build_plan(rng if rng is not None else random.Random(SEED))
    units, units_created = _ensure_units()
    specialties = {}
    specialties_created = 0
    for name in SPECIALTIES:
        specialties[name], was_created = Specialty.objects.get_or_create(name=name)
        specialties_created += was_created
    officer_ids, spells_created = _ensure_people(plan, units, specialties)
    memberships = _ensure_role_members(plan)
    logins_changed = _ensure_demo_logins(plan, units)
    posts_created = _ensure_posts(units, specialties)
    summary = {
        "units": units_created,
        "specialties": specialties_created,
        "officers": len(officer_ids),
        "spells": spells_created,
        "role_memberships": memberships,
        "demo_logins": logins_changed,
        "posts": posts_created,
    }
    if any(summary.values()):
        audit.record(
            actor=None,
            action="cms.demo_seed",
            obj=units[CITY[0]],
            after={**summary, "seed_window": [HISTORY_START, HISTORY_END]},
        )
    if officer_ids:
        officers_changed.send(sender=Officer, officer_ids=officer_ids)
    if any(summary.values()):
        stdout.write(
            gettext(
                "Demo city: created %(units)d units, %(officers)d officers with %(spells)d employment spells, "
                "%(posts)d posts, %(role_memberships)d role memberships; %(demo_logins)d demo logins updated."
            )
            % summary
        )
    else:
        stdout.write(gettext("Demo city already loaded; nothing to change."))
    return summary
