"""The project catalogue (locale/zh_Hans) fills Wagtail 7.4's untranslated admin strings: the dashboard summary, the
image sort order, the workflow report, the sites form, the account page's theme options and the keyboard-shortcuts
dialog read Chinese, the admin's JavaScript strings too, and the catalogue overrides no translation."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from tests.browser.test_crawl import _english

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/images/",
    "/admin/reports/workflow/",
    "/admin/reports/workflow_tasks/",
    "/admin/sites/",
    "/admin/sites/new/",
    "/admin/account/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/groups/",
]


class _Text(HTMLParser):
    """The page's text, hidden dialogs included (stricter than a browser's innerText); no scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        if tag in ("br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "label", "option", "kbd"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self._skip -= 1
        if tag in ("td", "th", "kbd", "label", "option"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


@pytest.mark.parametrize("path", PAGES)
def test_wagtail_admin_chrome_reads_chinese(client, superuser, path):
    client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 200
    english = _english(_visible_text(response.content.decode()), path)
    assert not english, english


def test_the_strings_named_in_the_issue_are_translated(client, superuser):
    client.force_login(superuser)
    with translation.override("zh-hans"):
        assert translation.gettext("By task") == "按任务"
        assert translation.gettext("Usage count: (high to low)") == "使用次数（从高到低）"
        assert translation.gettext("Theme preferences") == "主题偏好"
        assert translation.gettext("Application") == "应用"
        assert translation.gettext("Page types usage") == "页面类型使用情况"
    site = Site.objects.get(is_default_site=True)
    form = client.get(reverse("wagtailsites:edit", args=[site.pk])).content.decode()
    assert "端口号" in form and "站点名称" in form and "根页面" in form
    account = client.get(reverse("wagtailadmin_account")).content.decode()
    assert "高对比度" in account and "主题偏好" in account


def test_the_admin_javascript_catalogue_carries_the_missing_strings(client, superuser):
    client.force_login(superuser)
    catalogue = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode("unicode_escape")
    assert "正在自动保存" in catalogue and "插入块" in catalogue
