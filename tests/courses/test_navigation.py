"""Curriculum pages are served by Wagtail outside /learn/, yet they belong to the 课程 tab."""

import re

from courses import services


def test_course_and_lesson_pages_highlight_the_courses_tab(client, trainee, course, lessons):
    services.enrol(officer=trainee, course=course, by=None)
    client.force_login(trainee.user)
    for page in (course, lessons[0]):
        html = client.get(page.url).content.decode()
        nav = html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'<a href="([^"]+)" class="active"', nav) == ["/learn/"]
