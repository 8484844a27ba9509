"""What Moodle's own files need from the readers and writers (issue #13): HTML in GIFT answers and feedback,
honest encoding detection, [plain] markers on export, questions GIFT cannot express left out with a warning,
Moodle's grade list, and the demo bank's round trip through GIFT and Moodle XML."""

import json
import pathlib

import pytest
from django.core.management import call_command
from django.utils import translation

from exams.formats import FormatError, dump, expressible, parse

DEMO = pathlib.Path(__file__).resolve().parents[2] / "exams" / "demo" / "bank.json"


def test_gift_answers_and_feedback_take_the_question_format_and_show_no_markup():
    text = (
        "[html]<p>Which way?</p>{\n"
        "=<p>The east.</p>#<b>Awesome!</b>\n"
        "~[plain]<west>#What planet did <em>you</em> grow up on?\n"
        "####<p>General &amp; specific</p>}"
    )
    [q] = parse(text.encode(), "gift").questions
    assert q["stem_format"] == "html"
    assert [c["text"] for c in q["choices"]] == ["The east.", "<west>"]  # [plain] keeps its text literally
    assert [c["feedback"] for c in q["choices"]] == ["Awesome!", "What planet did you grow up on?"]
    assert q["explanation"] == "General & specific"


def test_unmarked_gift_stem_with_markup_renders_as_html_and_plain_text_without_markup_stays_plain():
    [html_q, plain_q] = parse("<b>粗体</b>题干{T}\n\n甲 < 乙 & 丙{F}".encode(), "gift").questions
    assert html_q["stem_format"] == "html"
    assert plain_q["stem_format"] == "plain" and plain_q["stem"] == "甲 < 乙 & 丙"


def test_gift_export_marks_plain_text_holding_markup_characters_and_reads_back_the_same():
    q = {
        "type": "single_choice",
        "stem": "压力 < 0.1 MPa & 温度 > 60℃ 时应当？",
        "choices": [
            {"text": "<b>停车</b>", "fraction": 1, "feedback": "A&B"},
            {"text": "继续", "fraction": 0},
        ],
        "explanation": "见 <规程>",
    }
    text = dump([q], "gift").decode()
    assert "[plain]压力" in text and "[plain]<b>停车</b>" in text and "[plain]见 <规程>" in text
    [back] = parse(text.encode(), "gift").questions
    assert back == expressible(q, "gift")


def test_windows_1252_gift_is_refused_naming_the_encoding_but_gb18030_chinese_is_read():
    western = "::Café:: Où est le café ? {=Là-bas ~Ici}".encode("cp1252")
    with translation.override("en"):
        result = parse(western, "gift")
        assert not result.questions
        assert "Windows-1252" in str(result.errors[0]) and "Line 1" in str(result.errors[0])
    chinese = "安全生产工作坚持安全第一、预防为主、综合治理的方针。{T}".encode("gb18030")
    assert parse(chinese, "gift").questions[0]["answer"] is True


def test_gift_export_leaves_out_what_gift_cannot_express_and_names_it():
    several = {
        "type": "short_answer",
        "stem": "____、____",
        "blanks": [[{"text": "甲"}], [{"text": "乙"}]],
    }
    fine = {"type": "true_false", "stem": "安全第一", "answer": True}
    warnings = []
    text = dump([several, fine], "gift", warnings=warnings).decode()
    assert "安全第一" in text and "____" not in text
    assert len(warnings) == 1 and "several blanks" in warnings[0].message
    with pytest.raises(FormatError):  # without a warnings list the caller still hears about it
        dump([several], "gift")


def test_weights_off_moodles_grade_list_warn_and_can_be_snapped():
    text = "哪些是危险作业？{~%33%动火 ~%33%吊装 ~%34%爆破 ~%-100%散步}"
    result = parse(text.encode(), "gift")
    assert result.ok and "33%" in result.warnings[0].message
    assert [c["fraction"] for c in result.questions[0]["choices"]] == [0.33, 0.33, 0.34, -1.0]
    snapped = parse(text.encode(), "gift", snap_weights=True)
    assert snapped.ok
    assert [c["fraction"] for c in snapped.questions[0]["choices"]] == [0.3333333, 0.3333333, 0.3333333, -1.0]


def test_short_answer_case_sensitivity_survives_json_and_moodle_xml():
    q = {"type": "short_answer", "stem": "化学式 ____", "answers": [{"text": "NaCl"}], "case_sensitive": True}
    for fmt in ("json", "moodle-xml"):
        [back] = parse(dump([q], fmt), fmt).questions
        assert back["case_sensitive"] is True, fmt


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_demo_bank_round_trips_through_gift_and_moodle_xml(fmt):
    questions = parse(DEMO.read_bytes(), "json").questions
    warnings = []
    back = parse(dump(questions, fmt, warnings=warnings), fmt)
    assert warnings == [] and back.errors == []
    assert back.questions == [expressible(q, fmt) for q in questions]


@pytest.mark.django_db
def test_demo_bank_round_trips_through_the_commands_in_moodle_xml(tmp_path, capsys):
    call_command("import_questions", str(DEMO), "--bank", "DEMO1")
    xml = tmp_path / "bank.xml"
    call_command("export_questions", "--bank", "DEMO1", "--format", "moodle-xml", "-o", str(xml))
    call_command("import_questions", str(xml), "--bank", "DEMO2", "--format", "moodle-xml")
    capsys.readouterr()
    exports = []
    for code in ("DEMO1", "DEMO2"):
        call_command("export_questions", "--bank", code, "--format", "json")
        exports.append(json.loads(capsys.readouterr().out)["questions"])
    assert exports[0] == exports[1] and len(exports[0]) == 209


@pytest.mark.django_db
def test_the_admin_upload_can_snap_weights_to_moodles_grades(client, training_admin_east, district_east):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from exams.models import ImportJob, Question, QuestionBank

    bank = QuestionBank.objects.create(code="SNAP", name="东城区题库", unit=district_east)
    text = "哪些是危险作业？{~%33%动火 ~%33%吊装 ~%34%爆破 ~%-100%散步}".encode()
    client.force_login(training_admin_east)
    for snap, expected in (
        (False, [0.33, 0.33, 0.34, -1.0]),
        (True, [0.3333333, 0.3333333, 0.3333333, -1.0]),
    ):
        Question.objects.filter(bank=bank).delete()
        data = {
            "bank": bank.pk,
            "format": "gift",
            "publish": "on",
            "file": SimpleUploadedFile("q.gift", text),
        }
        if snap:
            data["snap_weights"] = "on"
        page = client.post(reverse("exams_import"), data, follow=True).content.decode()
        job = ImportJob.objects.latest("pk")
        assert job.snap_weights is snap and "confirm-import" in page
        # the preview names the weights off Moodle's grade list, and where snapping moves them
        assert ("33.33333%" in " ".join(job.result["warnings"])) is snap
        client.post(reverse("exams_import_confirm", args=[job.pk]))
        stored = Question.objects.get(bank=bank).content["choices"]
        assert [c["fraction"] for c in stored] == expected
