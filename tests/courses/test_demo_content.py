"""Structure of the demo curriculum (courses.demo.lessons): pure data checks, no database."""

import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from courses.demo.lessons import CURRICULUM
from exams import demo as exams_demo

CATEGORIES = {"law", "theory", "practice", "emergency"}
STAFF = {"full_time", "auxiliary", "civil_servant"}
BLOCKS = {"heading", "paragraph", "legal_article", "callout", "knowledge_check"}
ALLOWED_TAGS = {"p", "strong", "ul", "ol", "li"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
BANK_STEMS = {q["stem"] for q in exams_demo.questions()}

LESSONS = [(course, lesson) for course in CURRICULUM for lesson in course["lessons"]]


class _TagCheck(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        if attrs:
            self.problems.append(f"attributes on <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if not self.stack and data.strip():
            self.problems.append(f"text outside a block element: {data[:20]!r}")


def _text(block):
    kind, value = block
    if kind == "heading":
        return value
    if kind == "paragraph":
        return re.sub(r"<[^>]+>", "", value)
    if kind in ("legal_article", "callout"):
        return value["text"]
    return ""


def _lesson_id(pair):
    return f"{pair[0]['slug']}/{pair[1]['slug']}"


def test_curriculum_size():
    assert len(CURRICULUM) >= 6
    assert len(LESSONS) >= 25


def test_course_and_lesson_slugs_are_unique():
    course_slugs = [c["slug"] for c in CURRICULUM]
    assert len(set(course_slugs)) == len(course_slugs)
    for course in CURRICULUM:
        slugs = [lesson["slug"] for lesson in course["lessons"]]
        assert len(set(slugs)) == len(slugs), course["slug"]
    titles = [c["title"] for c in CURRICULUM]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("course", CURRICULUM, ids=lambda c: c["slug"])
def test_course_fields(course):
    assert set(course) == {
        "slug",
        "title",
        "category",
        "summary",
        "objectives",
        "study_hours",
        "target_categories",
        "lessons",
    }
    assert SLUG.match(course["slug"])
    assert course["title"].strip() and course["summary"].strip()
    assert course["category"] in CATEGORIES
    assert course["objectives"] and all(o.strip() for o in course["objectives"])
    hours = Decimal(str(course["study_hours"]))
    assert Decimal("0") < hours <= Decimal("20")
    assert hours == hours.quantize(Decimal("0.1"))
    assert course["target_categories"] and set(course["target_categories"]) <= STAFF
    assert len(course["lessons"]) >= 3
    # The credited hours cover the planned reading time.
    minutes = sum(lesson["minutes"] for lesson in course["lessons"])
    assert hours * 60 >= minutes, (course["slug"], minutes)


def test_every_course_category_is_used():
    assert {c["category"] for c in CURRICULUM} == CATEGORIES


@pytest.mark.parametrize("pair", LESSONS, ids=_lesson_id)
def test_lesson_fields_and_blocks(pair):
    _course, lesson = pair
    assert set(lesson) == {"slug", "title", "minutes", "body"}
    assert SLUG.match(lesson["slug"])
    assert lesson["title"].strip()
    assert isinstance(lesson["minutes"], int) and 5 <= lesson["minutes"] <= 60
    body = lesson["body"]
    assert body and body[0][0] == "heading"
    for block in body:
        assert isinstance(block, tuple) and len(block) == 2
        kind, value = block
        assert kind in BLOCKS
        if kind == "heading":
            assert isinstance(value, str) and value.strip() and "<" not in value
        elif kind == "paragraph":
            checker = _TagCheck()
            checker.feed(value)
            checker.close()
            assert not checker.problems and not checker.stack, (checker.problems, value[:40])
        elif kind == "legal_article":
            assert set(value) == {"law", "article", "text"}
            assert re.fullmatch(r"《[^》]+》", value["law"])
            assert re.fullmatch(r"第[一二三四五六七八九十百零]+条(之一)?", value["article"])
            assert len(value["text"]) >= 20
        elif kind == "callout":
            assert set(value) == {"kind", "text"}
            assert value["kind"] in {"warning", "info", "tip"}
            assert value["text"].strip()
        else:
            assert set(value) == {"question_stems"}
            assert value["question_stems"]


@pytest.mark.parametrize("pair", LESSONS, ids=_lesson_id)
def test_lesson_length_is_400_to_1200_chinese_characters(pair):
    _course, lesson = pair
    n = len(CJK.findall("".join(_text(b) for b in lesson["body"])))
    assert 400 <= n <= 1200, n


def test_knowledge_checks_reference_existing_bank_questions():
    with_checks = 0
    referenced = []
    for _course, lesson in LESSONS:
        stems = [
            s for kind, value in lesson["body"] if kind == "knowledge_check" for s in value["question_stems"]
        ]
        if stems:
            with_checks += 1
        assert len(set(stems)) == len(stems), lesson["slug"]
        missing = [s for s in stems if s not in BANK_STEMS]
        assert not missing, (lesson["slug"], missing)
        referenced.extend(stems)
    assert with_checks >= 6
    assert len(set(referenced)) >= 30


def test_no_lesson_title_repeats_within_curriculum():
    counts = Counter(lesson["title"] for _course, lesson in LESSONS)
    assert all(n == 1 for n in counts.values()), counts
