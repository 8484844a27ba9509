"""Page-tree rules and rendering of the curriculum pages."""

from decimal import Decimal
from unittest import mock

from django.test import override_settings
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cms.models import HomePage
from courses.models import CoursePage, CurriculumIndexPage, LessonPage
from tests.factories import OfficerFactory, UserFactory, make_unit


# Wagtail's helpers log in with the first backend, which is django-axes' (it cannot load users).
@mock.patch("wagtail.test.utils.page_tests.AUTH_BACKEND", "django.contrib.auth.backends.ModelBackend")
class CurriculumTreeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()
        cls.index = CurriculumIndexPage(title="课程体系", slug="curriculum")
        cls.home.add_child(instance=cls.index)
        cls.course = CoursePage(
            title="安全生产法",
            slug="aqf",
            summary="概要",
            category="law",
            study_hours=Decimal("2"),
            objectives=["目标一"],
        )
        cls.index.add_child(instance=cls.course)
        cls.lesson = LessonPage(
            title="方针",
            slug="l1",
            estimated_minutes=10,
            body=[
                ("heading", "小标题"),
                ("paragraph", "<p>正文ABC</p>"),
                ("legal_article", {"law": "《安全生产法》", "article": "第三条", "text": "条文XYZ"}),
                ("callout", {"kind": "warning", "text": "警示内容"}),
                ("video", {"file": None, "embed_url": "https://v.example.com/1", "title": "示范视频"}),
            ],
        )
        cls.course.add_child(instance=cls.lesson)
        unit = make_unit("S9", "测试街道")
        cls.user = UserFactory(username="reader", roles=["trainee"])
        OfficerFactory(user=cls.user, unit=unit)

    def test_parent_and_subpage_rules(self):
        self.assertAllowedParentPageTypes(CurriculumIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CoursePage, {CurriculumIndexPage})
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertAllowedSubpageTypes(CurriculumIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertCanCreateAt(HomePage, CurriculumIndexPage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(HomePage, LessonPage)
        self.assertCanNotCreateAt(CurriculumIndexPage, LessonPage)
        self.assertCanNotCreateAt(LessonPage, LessonPage)

    def test_pages_render_for_a_signed_in_officer(self):
        for page in (self.index, self.course, self.lesson):
            self.assertPageIsRenderable(page, user=self.user)
        self.client.force_login(self.user)
        html = self.client.get(self.lesson.url).content.decode()
        for text in ("小标题", "正文ABC", "《安全生产法》", "第三条", "条文XYZ", "警示内容", "示范视频"):
            self.assertIn(text, html)
        # Embeds are disabled on the intranet: the video degrades to a link instead of failing.
        self.assertIn('href="https://v.example.com/1"', html)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(self.lesson.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_previews_render(self):
        lesson_data = nested_form_data(
            {
                "title": "方针",
                "slug": "l1",
                "estimated_minutes": 10,
                "required": "on",
                "body": streamfield([("heading", "预览标题"), ("paragraph", rich_text("<p>预览正文</p>"))]),
            }
        )
        self.assertPageIsPreviewable(self.lesson, post_data=lesson_data)
        course_data = {
            "title": "安全生产法",
            "slug": "aqf",
            "summary": "概要",
            "category": "law",
            "study_hours": "2",
            "objectives": "目标一",  # one per line; no staff category ticked
        }
        self.assertPageIsPreviewable(self.course, post_data=course_data)

    def test_editor_can_create_a_lesson_with_every_simple_block(self):
        admin = UserFactory(username="editor2", is_superuser=True, is_staff=True)
        self.client.force_login(admin)
        data = nested_form_data(
            {
                "title": "新课时",
                "slug": "new-lesson",
                "estimated_minutes": 15,
                "required": "on",
                "body": streamfield(
                    [
                        ("heading", "标题"),
                        ("paragraph", rich_text("<p>正文</p>")),
                        ("legal_article", {"law": "《消防法》", "article": "第十六条", "text": "条文"}),
                        ("callout", {"kind": "tip", "text": "提示"}),
                    ]
                ),
            }
        )
        self.assertCanCreate(self.course, LessonPage, data)
        self.assertTrue(LessonPage.objects.filter(slug="new-lesson").exists())

    def test_default_moderation_workflow_is_assignable(self):
        from wagtail.models import Workflow

        workflow = Workflow.objects.filter(active=True).first()
        self.assertIsNotNone(workflow)
        workflow.workflow_pages.get_or_create(page=self.index)
        self.assertEqual(self.lesson.get_workflow(), workflow)

    @override_settings(COURSES_COMPLETION_SHARE=0.5)
    def test_required_seconds_follow_the_completion_share(self):
        self.assertEqual(self.lesson.required_seconds, 300)
