"""Word (.docx) question banks: the 30-question 安全生产 sample, the usual layout variations, errors that name
their paragraph, pictures stored like Moodle's embedded files, the untrusted-file caps, the command and the admin."""

import io
import pathlib
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from PIL import Image

from exams.formats import docx as word
from exams.formats import docx_template, parse
from exams.models import ImportJob, Question, QuestionBank

SAMPLE = pathlib.Path(__file__).parent / "data" / "word" / "anquan_30.txt"


@pytest.fixture(autouse=True)
def _english():
    """The assertions match the English msgids; the UI default (zh-hans) would give the Chinese translations."""
    with translation.override("en"):
        yield


def png(colour=(200, 30, 30), size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def make_docx(lines, *, picture: bytes | None = None) -> bytes:
    """A Word document with one paragraph per line; a line "[隐患图片]" becomes a paragraph holding `picture`."""
    document = docx.Document()
    for line in lines:
        if line.startswith("[") and line.endswith("]") and picture is not None:
            document.add_paragraph().add_run().add_picture(io.BytesIO(picture))
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sample_lines():
    return [
        line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]


def test_the_30_question_sample_reads_every_type_with_answers_explanations_and_difficulty():
    result = parse(make_docx(sample_lines(), picture=png()), "docx")
    assert result.ok, [str(e) for e in result.errors]
    qs = result.questions
    assert len(qs) == 30
    assert [q["type"] for q in qs].count("single_choice") == 10
    assert [q["type"] for q in qs].count("multiple_choice") == 6
    assert [q["type"] for q in qs].count("true_false") == 6
    assert [q["type"] for q in qs].count("short_answer") == 5
    assert [q["type"] for q in qs].count("essay") == 3
    first = qs[0]
    assert first["stem"] == "安全生产工作应当坚持安全第一、（ ）、综合治理的方针。"
    assert [c["fraction"] for c in first["choices"]] == [1.0, 0.0, 0.0, 0.0]
    assert first["explanation"] == "《安全生产法》第三条。" and first["difficulty"] == 1
    # options written several to a line with half-width punctuation, and "答案: A"
    third = qs[2]
    assert len(third["choices"]) == 4 and third["choices"][0]["fraction"] == 1.0
    assert third["choices"][0]["text"] == "设置安全生产管理机构或者配备专职安全生产管理人员"
    # "A、B、C、D" and "ABCD" both name every option
    assert all(c["fraction"] == 0.25 for c in qs[11]["choices"])
    # 正确/错误, 对/错, √/×
    assert [q["answer"] for q in qs if q["type"] == "true_false"] == [False, True, True, True, False, False]
    # two blanks, answers separated by "；"; "/" gives alternatives
    assert [[a["text"] for a in alts] for alts in qs[25]["blanks"]] == [["安全生产管理"], ["负责人"]]
    assert [a["text"] for a in qs[26]["answers"]] == ["30", "三十"]
    assert qs[27]["grader_info"].startswith("组织或者参与拟订本单位安全生产规章制度")
    # the picture of the hazard is kept with its question
    tenth = qs[9]
    assert tenth["stem_format"] == "html" and '<img src="@@PLUGINFILE@@/image1.png"' in tenth["stem"]
    assert tenth["files"][0]["name"] == "image1.png"
    # the title and the instructions before question 1 are reported, not imported
    assert [w.paragraph for w in result.warnings] == [1, 2]


def test_errors_name_their_paragraph_and_nothing_is_kept():
    lines = [
        "一、单选题",
        "1．下列正确的是（ ）。",
        "A．甲",
        "B．乙",
        "答案：E",
        "二、判断题",
        "2．安全第一。",
        "答案：也许",
        "3．没有答案行的题目",
    ]
    result = parse(make_docx(lines), "docx")
    messages = [str(e) for e in result.errors]
    assert len(messages) == 3, messages
    assert messages[0].startswith("Paragraph 5:") and "E" in messages[0]
    assert messages[1].startswith("Paragraph 8:")
    assert messages[2].startswith("Paragraph 9:")


def test_inferred_types_without_headings_and_full_width_letters():
    lines = [
        "1、下列属于安全色的是（　）",
        "Ａ．红色 Ｂ．紫色",
        "答案：Ａ",
        "2、动火作业必须办理审批手续。",
        "答案：对",
        "3、简述“三同时”。",
        "答案：同时设计、同时施工、同时投入生产和使用。",
    ]
    result = parse(make_docx(lines), "docx")
    assert result.ok, [str(e) for e in result.errors]
    assert [q["type"] for q in result.questions] == ["single_choice", "true_false", "essay"]
    assert [c["text"] for c in result.questions[0]["choices"]] == ["红色", "紫色"]


def test_the_downloadable_template_reads_back_without_errors():
    result = parse(docx_template(), "docx")
    assert result.ok and len(result.questions) == 5
    assert {q["type"] for q in result.questions} == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "essay",
    }


def test_an_archive_that_unpacks_too_far_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(word, "MAX_UNCOMPRESSED", 10_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>" + " " * 50_000)  # compresses to almost nothing
    result = parse(out.getvalue(), "docx")
    assert not result.questions and "unpacks to more than" in str(result.errors[0])


def test_too_many_paragraphs_or_pictures_are_refused(monkeypatch):
    monkeypatch.setattr(word, "MAX_PARAGRAPHS", 5)
    result = parse(make_docx(sample_lines()), "docx")
    assert not result.questions and "more than 5 paragraphs" in str(result.errors[0])
    monkeypatch.setattr(word, "MAX_PARAGRAPHS", 20000)
    monkeypatch.setattr(word, "MAX_IMAGES", 0)
    result = parse(make_docx(sample_lines(), picture=png()), "docx")
    assert not result.questions and "pictures" in str(result.errors[0])


def test_a_file_that_is_not_a_word_document_is_refused():
    assert "not a Word document" in str(parse(b"PK\x03\x04 broken", "docx").errors[0])


@pytest.mark.django_db
def test_command_imports_the_sample_and_stores_the_picture(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "bank.docx"
    path.write_bytes(make_docx(sample_lines(), picture=png()))
    call_command("import_questions", str(path), "--bank", "WORD", "--format", "docx")
    bank = QuestionBank.objects.get(code="WORD")
    assert bank.questions.count() == 30
    pictured = Question.objects.get(bank=bank, stem__contains="配电箱柜门敞开")
    media = pictured.media.get()
    assert media.image is not None and media.url in pictured.stem and "@@PLUGINFILE@@" not in pictured.stem


@pytest.mark.django_db
def test_command_writes_nothing_when_one_question_is_wrong(tmp_path):
    lines = sample_lines()
    lines[lines.index("答案：ABC")] = "答案：ABX"
    path = tmp_path / "bad.docx"
    path.write_bytes(make_docx(lines))
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--bank", "WORD2", "--format", "docx")
    assert not QuestionBank.objects.filter(code="WORD2").exists() and not Question.objects.exists()


@pytest.mark.django_db
def test_admin_offers_the_word_template_and_previews_a_word_upload(
    client, training_admin_east, district_east
):
    bank = QuestionBank.objects.create(code="EAST", name="东城区题库", unit=district_east)
    client.force_login(training_admin_east)
    page = client.get(reverse("exams_import")).content.decode()
    assert reverse("exams_import_template_docx") in page
    template = client.get(reverse("exams_import_template_docx"))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    assert docx.Document(io.BytesIO(template.content)).paragraphs
    resp = client.post(
        reverse("exams_import"),
        {
            "bank": bank.pk,
            "format": "auto",
            "publish": "on",
            "file": SimpleUploadedFile("题库.docx", make_docx(sample_lines()[:40])),
        },
        follow=True,
    )
    assert resp.status_code == 200 and "confirm-import" in resp.content.decode(), resp.context["form"].errors
    assert ImportJob.objects.get().format == "docx"


@pytest.mark.django_db
def test_a_trainee_cannot_reach_the_word_template_or_the_upload(client, trainee):
    client.force_login(trainee.user)
    for url in (reverse("exams_import"), reverse("exams_import_template_docx")):
        resp = client.get(url)
        assert resp.status_code == 302 and resp.url.startswith("/admin/login/")


def test_questions_numbered_by_words_automatic_numbering_are_read():
    document = docx.Document()
    document.add_paragraph("一、单选题")
    document.add_paragraph("生产经营单位的主要负责人是本单位安全生产的（ ）。", style="List Number")
    for line in ("A．第一责任人", "B．直接责任人", "答案：A"):
        document.add_paragraph(line)
    document.add_paragraph("二、判断题")
    document.add_paragraph("从业人员有权拒绝违章指挥和强令冒险作业。", style="List Number")
    document.add_paragraph("答案：对")
    out = io.BytesIO()
    document.save(out)
    result = parse(out.getvalue(), "docx")
    assert result.ok, [str(e) for e in result.errors]
    assert [(q["type"], q["stem"][:6]) for q in result.questions] == [
        ("single_choice", "生产经营单位"),
        ("true_false", "从业人员有权"),
    ]
