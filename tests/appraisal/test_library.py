"""The case library (经验推广): the personal-details scrubber, Chinese word segmentation in the search, the library
and case pages (signed-in readers only), proposing a round's best file through the moderation workflow (round
runners in scope only), and the 相关案例 section under lessons."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState

from appraisal import library_selectors, redaction, segmentation
from appraisal.models import ReviewRound, RubricItem
from appraisal.pages import CaseLibraryPage, CasePage
from appraisal.services import library, rounds
from appraisal.services.library import LibraryError, LibraryRefused
from cms.models import AuditEvent, HomePage
from courses.models import CoursePage, CurriculumIndexPage, LessonPage
from exams.models import Category, QuestionBank
from tests.appraisal.review_factories import make_setup, submit, uniform
from tests.factories import make_staff, make_unit

# --- the scrubber (pure) ------------------------------------------------------------------------------------------


class TestScrub:
    def test_masks_names_ids_phones_and_the_party(self):
        text = (
            "当事人张三（身份证号110101199003071234，手机13812345678，座机0571-87654321）经营的"
            "杭州某某化工有限公司，统一社会信用代码91330100MA2XXXXX1A，执法人员李四、欧阳明华到场检查。"
        )
        out = redaction.scrub(text, people=["张三", "李四", "欧阳明华"], parties=["杭州某某化工有限公司"])
        for secret in ("张三", "李四", "欧阳明华", "110101199003071234", "13812345678", "87654321"):
            assert secret not in out
        assert "杭州某某化工有限公司" not in out and "91330100MA2XXXXX1A" not in out
        assert "张某" in out and "李某" in out and "欧阳某" in out
        assert "经营的当事人" in out

    def test_longer_names_first_and_single_characters_left_alone(self):
        out = redaction.scrub("张三丰和张三都在，王说", people=["张三", "张三丰", "王"])
        assert out == "张某和张某都在，王说"

    def test_fifteen_digit_ids_and_plus86_mobiles(self):
        out = redaction.scrub("旧证号110101900307123，电话+86 138-1234-5678。案号2026001。")
        assert "110101900307123" not in out and "1234-5678" not in out
        assert "案号2026001" in out  # short numbers are not personal details

    def test_empty_text(self):
        assert redaction.scrub("", people=["张三"]) == ""


class TestSegmentation:
    def test_index_holds_the_pieces_of_long_words(self):
        tokens = segmentation.index_text("未取得安全生产许可证擅自从事生产活动").split()
        assert {"安全", "生产", "许可", "许可证"} <= set(tokens)
        assert len(tokens) == len(set(tokens))

    def test_query_keeps_the_finest_pieces(self):
        assert segmentation.query_text("安全生产许可") == "安全 生产 许可"
        assert segmentation.query_text("  ，。") == ""


# --- pages and search ---------------------------------------------------------------------------------------------


def add_page(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def case_library(db):
    return add_page(
        HomePage.objects.get(), CaseLibraryPage(title="执法案例库", slug="cases", intro="优秀案卷")
    )


@pytest.fixture
def licence_case(case_library):
    page = CasePage(
        title="某化工企业无证生产案",
        slug="licence",
        kind="penalty",
        facts="检查发现该企业未取得安全生产许可证擅自从事危险化学品生产。",
        legal_basis="《安全生产许可证条例》第十九条",
        lessons_learned="现场检查应先核验许可证照。",
    )
    page.tags.add("行政处罚", "危险化学品")
    return add_page(case_library, page)


@pytest.fixture
def confined_space_case(case_library):
    page = CasePage(
        title="有限空间作业未配备监护人员案",
        slug="confined",
        kind="rectification",
        facts="企业在污水池清淤作业时未安排专人监护。",
        lessons_learned="有限空间作业必须先通风、再检测、后作业。",
    )
    page.tags.add("责令整改")
    return add_page(case_library, page)


@pytest.mark.django_db
class TestSearch:
    def test_segmented_query_finds_the_page_and_not_an_unrelated_one(
        self, case_library, licence_case, confined_space_case
    ):
        found = list(case_library.search("安全生产许可"))
        assert [p.pk for p in found] == [licence_case.pk]
        assert [p.pk for p in case_library.search("有限空间 监护")] == [confined_space_case.pk]
        assert list(case_library.search("矿山透水")) == []

    def test_search_text_is_filled_on_save(self, licence_case):
        licence_case.refresh_from_db()
        assert "许可证" in licence_case.search_text.split()
        assert {"危险", "化学品"} <= set(licence_case.search_text.split())  # tags are searchable

    def test_tag_filter_with_and_without_a_query(self, case_library, licence_case, confined_space_case):
        assert [p.pk for p in case_library.search("", "责令整改")] == [confined_space_case.pk]
        assert list(case_library.search("安全生产许可", "责令整改")) == []
        assert [p.pk for p in case_library.search("", "")] == [confined_space_case.pk, licence_case.pk]

    def test_drafts_are_not_found(self, case_library, licence_case):
        draft = CasePage(title="草稿案例", slug="draft", facts="未取得安全生产许可证", live=False)
        case_library.add_child(instance=draft)
        assert [p.pk for p in case_library.search("安全生产许可")] == [licence_case.pk]

    def test_signed_in_reader_searches_on_the_page(
        self, client, trainee, case_library, licence_case, confined_space_case
    ):
        client.force_login(trainee.user)
        response = client.get(case_library.url, {"q": "安全生产许可"})
        assert response.status_code == 200
        body = response.content.decode()
        assert licence_case.title in body and confined_space_case.title not in body
        assert 'name="viewport"' in body  # the learner shell
        response = client.get(case_library.url, {"tag": "责令整改"})
        assert confined_space_case.title in response.content.decode()
        assert licence_case.title not in response.content.decode()

    def test_case_page_shows_its_sections(self, client, trainee, licence_case):
        client.force_login(trainee.user)
        body = client.get(licence_case.url).content.decode()
        for section in ("case-facts", "case-legal-basis", "case-lessons"):
            assert f'id="{section}"' in body
        assert "未取得安全生产许可证" in body and "危险化学品" in body

    def test_anonymous_visitors_are_sent_to_log_in(self, client, case_library, licence_case):
        for url in (case_library.url, licence_case.url, reverse("appraisal:library")):
            response = client.get(url)
            assert response.status_code == 302 and "login" in response["Location"]

    def test_fixed_address_leads_to_the_library(self, client, trainee, case_library):
        client.force_login(trainee.user)
        response = client.get(reverse("appraisal:library"), {"q": "许可"})
        assert response.status_code == 302
        assert response["Location"].startswith(case_library.url) and "q=" in response["Location"]

    def test_no_library_published_is_a_404(self, client, trainee):
        client.force_login(trainee.user)
        assert client.get(reverse("appraisal:library")).status_code == 404


# --- proposing from a round ---------------------------------------------------------------------------------------


@pytest.fixture
def closed_setup(make_officer, case_library):
    setup = make_setup(make_officer, files=2)
    point = Category.objects.create(
        bank=QuestionBank.objects.create(code="ZF", name="执法题库"), name="执法程序"
    )
    through = RubricItem._meta.get_field("knowledge_points").remote_field.through
    through.objects.bulk_create(
        through(rubricitem=item, category=point)
        for item in RubricItem.objects.filter(rubric=setup.round.rubric)
    )
    best, other = setup.round_cases
    best.case.party = "南湖烟花爆竹经营部"
    best.case.title = "南湖烟花爆竹经营部未取得安全生产许可证案"
    best.case.summary = (
        f"{setup.handler.name}于检查中发现南湖烟花爆竹经营部（负责人电话13912345678，身份证号"
        "330102198001011234）未取得安全生产许可证储存烟花爆竹。"
    )
    best.case.save()
    findings = {"facts": f"事实清楚，{setup.handler.name}调查细致", "law": "适用法律准确"}
    submit(setup, best, 1, uniform(setup.round, 10, findings), comment="文书规范，可作示范")
    submit(setup, best, 2, uniform(setup.round, 9))
    submit(setup, other, 1, uniform(setup.round, 6))
    submit(setup, other, 2, uniform(setup.round, 6))
    rounds.close_round(by=setup.leader, round_=setup.round)
    setup.round.refresh_from_db()
    best.refresh_from_db()
    setup.point = point
    return setup


@pytest.mark.django_db
class TestPropose:
    def test_best_files_are_offered_first(self, closed_setup):
        best, other = closed_setup.round_cases
        offered = list(library_selectors.proposable_cases(closed_setup.round))
        assert [rc.pk for rc in offered] == [best.pk, other.pk]
        assert offered[0].score == Decimal("95.00")

    def test_one_step_creates_a_scrubbed_draft_in_the_workflow(self, closed_setup, case_library):
        best = closed_setup.round_cases[0]
        page = library.propose_from_round(by=closed_setup.leader, round_case=best)
        page = CasePage.objects.get(pk=page.pk)
        assert not page.live and page.get_parent().pk == case_library.pk and page.source_id == best.pk
        text = " ".join([page.title, page.facts, page.legal_basis, page.procedure, page.lessons_learned])
        for secret in (
            closed_setup.handler.name,
            "南湖烟花爆竹经营部",
            "13912345678",
            "330102198001011234",
        ):
            assert secret not in text
        assert "王某" in text and "未取得安全生产许可证" in page.facts
        assert "文书规范，可作示范" in page.lessons_learned and "适用法律准确" in page.lessons_learned
        assert list(page.knowledge_points.all()) == [closed_setup.point]
        assert len(page.tags.names()) == 2  # the case kind and 优秀案卷
        state = WorkflowState.objects.get(object_id=str(page.pk))
        assert state.status == WorkflowState.STATUS_IN_PROGRESS
        assert state.requested_by == closed_setup.leader
        event = AuditEvent.objects.get(action="appraisal.library_propose")
        assert event.actor == closed_setup.leader and event.after["page"] == page.pk
        assert library_selectors.proposed_round_cases(closed_setup.round) == {best.pk}
        # Not readable until a moderator publishes it
        assert [p.pk for p in case_library.search("安全生产许可")] == []
        page.get_latest_revision().publish()
        assert [p.pk for p in case_library.search("安全生产许可")] == [page.pk]

    def test_refusals(self, closed_setup, make_officer):
        best = closed_setup.round_cases[0]
        reviewer = closed_setup.reviewers[0].user
        with pytest.raises(LibraryRefused) as refused:
            library.propose_from_round(by=reviewer, round_case=best)
        assert refused.value.code == "not_permitted"
        elsewhere = make_unit("D10", "北城区", kind="district")
        other_leader = make_staff("leader_north", "unit_leader", elsewhere)
        with pytest.raises(LibraryRefused) as refused:
            library.propose_from_round(by=other_leader, round_case=best)
        assert refused.value.code == "out_of_scope"
        library.propose_from_round(by=closed_setup.leader, round_case=best)
        with pytest.raises(LibraryError) as error:
            library.propose_from_round(by=closed_setup.leader, round_case=best)
        assert error.value.code == "already_proposed"
        assert CasePage.objects.count() == 1

    def test_open_round_and_unscored_file_are_refused(self, make_officer, case_library):
        setup = make_setup(make_officer, files=1)
        with pytest.raises(LibraryError) as error:
            library.propose_from_round(by=setup.leader, round_case=setup.round_cases[0])
        assert error.value.code == "not_closed"
        ReviewRound.objects.filter(pk=setup.round.pk).update(status=ReviewRound.Status.CLOSED)
        with pytest.raises(LibraryError) as error:
            library.propose_from_round(by=setup.leader, round_case=setup.round_cases[0])
        assert error.value.code == "not_scored"

    def test_without_a_library(self, closed_setup, case_library):
        case_library.unpublish()
        with pytest.raises(LibraryError) as error:
            library.propose_from_round(by=closed_setup.leader, round_case=closed_setup.round_cases[0])
        assert error.value.code == "no_library"


# --- related cases under lessons ----------------------------------------------------------------------------------


@pytest.fixture
def lesson_with_point(db):
    bank = QuestionBank.objects.create(code="KP", name="知识点题库")
    root = Category.objects.create(bank=bank, name="行政许可")
    child = Category.objects.create(bank=bank, name="安全生产许可", parent=root)
    index = add_page(HomePage.objects.get(), CurriculumIndexPage(title="课程体系", slug="curriculum"))
    course = add_page(
        index, CoursePage(title="行政许可", slug="xk", summary="许可", category="law", target_categories=[])
    )
    check = {"title": "", "bank": bank, "category": root, "questions": [], "count": 1}
    lesson = add_page(
        course,
        LessonPage(title="许可证核验", slug="l1", body=[("knowledge_check", check)], complete_on_check=False),
    )
    plain = add_page(course, LessonPage(title="概述", slug="l2", body=[("paragraph", "<p>概述</p>")]))
    return lesson, plain, child


@pytest.mark.django_db
class TestRelatedCases:
    def test_lesson_lists_cases_sharing_its_knowledge_points(
        self, client, trainee, lesson_with_point, licence_case, confined_space_case
    ):
        lesson, plain, child = lesson_with_point
        licence_case.knowledge_points.add(child)  # below the lesson's point
        licence_case.save_revision().publish()
        assert [c.pk for c in library_selectors.related_cases(lesson)] == [licence_case.pk]
        assert library_selectors.related_cases(plain) == []
        client.force_login(trainee.user)
        body = client.get(lesson.url).content.decode()
        assert 'id="related-cases"' in body and licence_case.title in body
        assert confined_space_case.title not in body
        assert 'id="related-cases"' not in client.get(plain.url).content.decode()

    def test_related_cases_cost_bounded_queries(
        self, django_assert_max_num_queries, lesson_with_point, licence_case
    ):
        lesson, _plain, child = lesson_with_point
        licence_case.knowledge_points.add(child)
        licence_case.save_revision().publish()
        with django_assert_max_num_queries(3):
            section = library_selectors.lesson_section(None, lesson)
        assert [c.pk for c in section["cases"]] == [licence_case.pk]


@pytest.mark.django_db
class TestProposeScreen:
    def test_leader_proposes_from_the_round_results(self, client, closed_setup):
        best = closed_setup.round_cases[0]
        client.force_login(closed_setup.leader)
        detail = client.get(
            reverse("appraisal_results_detail", args=[closed_setup.round.pk])
        ).content.decode()
        url = reverse("appraisal_library_propose", args=[closed_setup.round.pk])
        assert url in detail
        listing = client.get(url)
        assert listing.status_code == 200 and best.case.number in listing.content.decode()
        response = client.post(url, {"round_case": best.pk})
        page = CasePage.objects.get(source=best)
        assert response.status_code == 302 and str(page.pk) in response["Location"]
        again = client.post(url, {"round_case": best.pk}, follow=True)
        assert CasePage.objects.count() == 1 and again.status_code == 200

    def test_non_runners_and_other_subtrees_are_refused(self, client, closed_setup):
        url = reverse("appraisal_library_propose", args=[closed_setup.round.pk])
        client.force_login(closed_setup.reviewers[0].user)
        response = client.post(url, {"round_case": closed_setup.round_cases[0].pk})
        assert response.status_code == 302 and response["Location"].startswith(
            "/admin/login/"
        )  # no admin access
        other = make_staff("leader_far", "unit_leader", make_unit("D11", "西城区", kind="district"))
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert CasePage.objects.count() == 0
