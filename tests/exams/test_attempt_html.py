"""The attempt page's questions built in Python (exams.attempt_html) are the markup _question.html renders, for
every question type, blank and answered, shuffled and flagged; and the page built from them keeps the no-JavaScript
form path and shows a reloaded paper's saved answers."""

import copy
import json
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from exams import attempt_html, paper
from exams.models import Attempt
from exams.views import decorate
from tests.exams.conftest import SAMPLE, make_bank, make_exam
from tests.exams.test_cloze import _cloze

# The attempt page's per-question markup as the template rendered it before exams.attempt_html (kept here as the
# reference the Python builder must match).
SECTION = Template(
    "{% load i18n %}"
    '<section class="card question{% if item.position == current %} current{% endif %}" id="q{{ item.position }}" '
    'data-position="{{ item.position }}" data-type="{{ item.type }}" data-seq="{{ item.seq }}">'
    '<h2 class="q-head">{% blocktrans with n=item.position total=total %}Question {{ n }} of {{ total }}'
    '{% endblocktrans %} <span class="muted">{{ item.type_label }} · '
    '{% blocktrans with p=item.points|floatformat:"-2" %}{{ p }} pts{% endblocktrans %}</span></h2>'
    '{% with prefix="q"|add:item.position_str %}{% include "exams/_question.html" with q=item prefix=prefix %}'
    "{% endwith %}"
    '<label class="flag"><input type="checkbox" name="flag{{ item.position }}" data-flag{% if item.flagged %} '
    'checked{% endif %}> {% trans "Mark for review" %}</label></section>'
)

HTML_STEM = {
    "type": "single_choice",
    "title": "带标题 <b>",
    "stem": '<p>加粗<b>重点</b></p><script>alert(1)</script><img src="https://evil.example/x.png">',
    "stem_format": "html",
    "choices": [
        {"text": "<i>甲</i> & 乙", "fraction": 1.0, "feedback": "FEEDBACK"},
        {"text": '"引号"', "fraction": 0.0, "feedback": ""},
    ],
}

ANSWERS = {
    "single_choice": 2,
    "multiple_choice": [0, 3],
    "true_false": False,
    "short_answer": ['当场 "<处罚>"'],
    "numerical": "2.5",
    "matching": {"0": "2024年11月1日", "1": "2000年1月1日"},
    "essay": "第一步 <排查>\n第二步",
    "cloze": ["救援", "1", 1],
}


def normalise(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def both_ways(data, order, stored, *, position=3, total=12, flagged=False, seq=4):
    q = decorate(paper.public_question(data, order), paper.answer_to_display(data, order, stored), position)
    q.update({"points": 2.5 if position % 2 else 1.0, "seq": seq, "flagged": flagged})
    reference = SECTION.render(Context({"item": copy.deepcopy(q), "current": 3, "total": total}))
    built = attempt_html.question_section(q, attempt_html.Labels(total), current=3)
    return normalise(reference), normalise(built)


def order_for(data):
    n = len(data.get("choices") or []) or len(
        paper.matching_options(data) if data["type"] == "matching" else []
    )
    return list(reversed(range(n)))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("data", [*SAMPLE, HTML_STEM, _cloze()], ids=lambda d: d["type"] + str(len(str(d))))
def test_built_section_is_the_templates_markup_blank_and_answered(data, language):
    with translation.override(language):
        order = order_for(data)
        reference, blank = both_ways(data, order, None, position=4, flagged=True, seq=9)
        assert blank == reference
        stored = ANSWERS[data["type"]]
        if data["type"] == "single_choice":
            stored = 0
        reference, built = both_ways(data, order, stored, position=4, flagged=True, seq=9)
        assert built == reference
        assert built != blank  # the saved answer is on the page


def test_built_html_escapes_option_texts_and_sanitises_the_stem():
    _, built = both_ways(HTML_STEM, [1, 0], None)
    assert "<script" not in built and "evil.example" not in built
    assert "&lt;i&gt;甲&lt;/i&gt; &amp; 乙" in built and "&quot;引号&quot;" in built
    assert "带标题 &lt;b&gt;" in built
    assert "FEEDBACK" not in built and "fraction" not in built


@pytest.mark.django_db
def test_reloaded_paper_shows_saved_answers_and_the_no_js_form_saves_them(client, trainee):
    bank = make_bank("HTMLPAGE", SAMPLE)
    exam = make_exam(bank, shuffle_options=True)
    client.force_login(trainee.user)
    client.post(reverse("exams:exam_start", args=[exam.pk]))
    attempt = Attempt.objects.get(officer=trainee)
    page_url = reverse("exams:attempt", args=[attempt.pk])
    by_type = {r.version.data["type"]: r for r in attempt.responses.select_related("version")}
    single, multi = by_type["single_choice"], by_type["multiple_choice"]
    # Without JavaScript: the whole form is posted (display positions), then the page is shown again.
    form = {
        f"q{single.position}": "1",
        f"q{multi.position}": ["0", "2"],
        f"q{by_type['essay'].position}": "手写的 <答案>",
        "action": "save",
        "q": str(multi.position),
    }
    resp = client.post(reverse("exams:attempt_form_save", args=[attempt.pk]), form)
    assert resp.status_code == 302 and resp.url == page_url + f"?q={multi.position}"
    single.refresh_from_db()
    multi.refresh_from_db()
    assert single.answer == single.option_order[1]
    assert sorted(multi.answer) == sorted([multi.option_order[0], multi.option_order[2]])
    body = client.get(resp.url).content.decode()
    assert f'<input type="radio" name="q{single.position}" value="1" checked>' in body
    assert f'<input type="checkbox" name="q{multi.position}" value="0" checked>' in body
    assert f'<input type="checkbox" name="q{multi.position}" value="2" checked>' in body
    assert body.count(" checked>") == 3
    assert "手写的 &lt;答案&gt;</textarea>" in body
    assert f'class="card question current" id="q{multi.position}"' in body  # the page opens where it was
    # the question map marks the answered questions, and every question is on the page once
    assert body.count('class="answered"') == 3
    assert body.count('<section class="card question') == len(SAMPLE)
    # the save button of the no-JavaScript form and the config the script reads are still there
    assert 'name="action" value="save"' in body and 'id="exam-config"' in body
    config = json.loads(re.search(r'id="exam-config" type="application/json">(.*?)</script>', body).group(1))
    assert config["saveUrl"] == reverse("exams:attempt_save", args=[attempt.pk])
