"""The learner shell's tabs: the tab of the page being read is highlighted (one, the most specific), curriculum pages
highlight 课程, and a running exam hides the tabs and 退出 so that the learner stays on it."""

import re

import pytest

from exams import services as exam_services
from tests.exams.conftest import make_bank, make_exam


def _active(html: str) -> list[str]:
    nav = html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)" class="active" aria-current="page">', nav)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/me/", "/learn/", "/learn/sessions/", "/learn/record/", "/exams/", "/exams/practice/"]
)
def test_the_tab_of_each_page_is_the_one_highlighted(client, trainee, path):
    client.force_login(trainee.user)
    response = client.get(path)
    assert response.status_code == 200
    assert _active(response.content.decode()) == [path]


@pytest.mark.django_db
def test_a_running_exam_hides_the_tabs_and_log_out(client, trainee):
    exam = make_exam(make_bank(n_single=3))
    attempt = exam_services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    client.force_login(trainee.user)
    html = client.get(f"/exams/attempt/{attempt.pk}/").content.decode()
    assert 'class="mainnav"' not in html and "/accounts/logout/" not in html
    assert "/i18n/setlang/" not in html  # nor the language switch: a reload mid-exam is a distraction
    html = client.get("/exams/").content.decode()
    assert 'class="mainnav"' in html and "/accounts/logout/" in html and "/i18n/setlang/" in html
