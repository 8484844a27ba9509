"""Files embedded in imported questions (Moodle XML <file>, Moodle 1.9 <image>): detected on the server, images
re-encoded, stored as Wagtail images/documents linked to the question, links rewritten, exported again; stems
show them only from this server."""

import base64
import io

import pytest
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from exams import services
from exams.formats import dump, parse
from exams.models import Question, QuestionBank, QuestionMedia
from exams.templatetags.exams_tags import sanitise_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The assertions match the English msgids; the UI default (zh-hans) would give the Chinese translations."""
    with translation.override("en"):
        yield


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (60, 40), (10, 120, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def quiz(content: bytes, name="hazard.jpg") -> bytes:
    b64 = base64.b64encode(content).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="truefalse"><name><text>配电箱</text></name>
<questiontext format="html"><text><![CDATA[<p>图中配电箱存在隐患 <img src="@@PLUGINFILE@@/{name}" alt="隐患"></p>]]></text>
<file name="{name}" path="/" encoding="base64">{b64}</file></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question></quiz>""".encode()


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def test_embedded_picture_is_stored_reencoded_linked_and_exported_back(media_root):
    bank = QuestionBank.objects.create(code="IMG", name="隐患图片")
    plan = services.plan_import(bank=bank, data=quiz(jpeg_with_exif()), fmt="moodle-xml")
    assert plan.ok, plan.errors
    [question] = services.import_questions(bank=bank, questions=plan.questions, by=None)
    media = QuestionMedia.objects.get(question=question)
    assert media.name == "hazard.jpg" and media.image is not None
    assert media.url in question.stem and "@@PLUGINFILE@@" not in question.stem
    with media.image.file.open("rb") as fh:
        stored = fh.read()
    assert b"SecretCam" not in stored  # re-encoded without its metadata
    # the published version (what attempts use) shows the stored picture too
    assert media.url in question.current_version.data["stem"]
    exported = dump(services.export_questions(bank=bank), "moodle-xml")
    assert b'<file name="hazard.jpg" path="/" encoding="base64">' in exported
    assert b"@@PLUGINFILE@@/hazard.jpg" in exported and media.url.encode() not in exported
    [again] = parse(exported, "moodle-xml").questions
    assert again["files"][0]["name"] == "hazard.jpg"


def test_a_file_that_only_claims_to_be_a_picture_stops_the_whole_import(media_root):
    bank = QuestionBank.objects.create(code="BAD", name="x")
    plan = services.plan_import(
        bank=bank, data=quiz(b"<html><script>alert(1)</script></html>"), fmt="moodle-xml"
    )
    assert not plan.ok
    [error] = plan.errors
    assert "hazard.jpg" in error.message and error.line == 2  # where the question starts


def test_too_many_embedded_files_are_refused():
    files = "".join(
        f'<file name="f{i}.png" encoding="base64">{base64.b64encode(b"x").decode()}</file>' for i in range(25)
    )
    stem = "".join(f'<img src="@@PLUGINFILE@@/f{i}.png">' for i in range(25))
    data = f"""<quiz><question type="essay"><name><text>多图</text></name>
    <questiontext format="html"><text><![CDATA[{stem}]]></text>{files}</questiontext></question></quiz>"""
    result = parse(data.encode(), "moodle-xml")
    assert not result.questions and "at most 20" in str(result.errors[0])


def test_command_round_trip_keeps_the_picture(media_root, tmp_path):
    source = tmp_path / "in.xml"
    source.write_bytes(quiz(jpeg_with_exif(), name="box.jpg"))
    call_command("import_questions", str(source), "--bank", "RT1", "--format", "moodle-xml")
    out = tmp_path / "out.xml"
    call_command("export_questions", "--bank", "RT1", "--format", "moodle-xml", "-o", str(out))
    call_command("import_questions", str(out), "--bank", "RT2", "--format", "moodle-xml")
    q1, q2 = (Question.objects.get(bank__code=c) for c in ("RT1", "RT2"))
    assert q1.media.get().image_id != q2.media.get().image_id
    assert q2.media.get().url in q2.stem


def test_stems_show_pictures_and_links_only_from_this_server(settings):
    settings.MEDIA_URL = "/media/"
    html = sanitise_html(
        '<p><img src="/media/original_images/a.jpg" alt="隐患" width="50" onerror="x()">'
        '<img src="https://evil.example/t.png"><img src="javascript:alert(1)">'
        '<a href="/documents/3/a.mp3">听</a><a href="https://evil.example/">外链</a></p>'
    )
    assert '<img src="/media/original_images/a.jpg" alt="隐患" width="50" loading="lazy">' in html
    assert "evil" not in html and "javascript" not in html and "onerror" not in html
    assert '<a href="/documents/3/a.mp3" target="_blank" rel="noopener">听</a>' in html
    assert "外链" in html  # the text of a foreign link stays, without the link


def test_a_failed_import_removes_the_files_it_had_stored(media_root, monkeypatch):
    bank = QuestionBank.objects.create(code="RB", name="x")
    plan = services.plan_import(bank=bank, data=quiz(jpeg_with_exif()), fmt="moodle-xml")

    def boom(**kwargs):
        raise RuntimeError("version table unavailable")

    monkeypatch.setattr("exams.services.questions.question_sync_version", boom)
    with pytest.raises(RuntimeError):
        services.import_questions(bank=bank, questions=plan.questions, by=None)
    assert not QuestionMedia.objects.exists() and not Question.objects.exists()
    stored = [p for p in (media_root / "media").rglob("*") if p.is_file()]
    assert stored == []


def test_a_picture_in_an_option_is_named_in_a_warning_not_dropped_silently():
    b64 = base64.b64encode(jpeg_with_exif()).decode()
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="multichoice"><name><text>标志</text></name>
<questiontext format="html"><text>哪个是禁止烟火标志？</text></questiontext>
<answer fraction="100" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/sign.jpg">]]></text>
<file name="sign.jpg" path="/" encoding="base64">{b64}</file></answer>
<answer fraction="0"><text>当心触电</text></answer>
<single>true</single></question></quiz>"""
    result = parse(xml.encode(), "moodle-xml")
    assert any("sign.jpg" in w.message and "not imported" in w.message for w in result.warnings)
    assert all(not q.get("files") for q in result.questions)
