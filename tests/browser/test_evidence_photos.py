"""Issue #12 item 18 on a 360×740 phone: the evidence form shrinks a large photo in the browser before it is sent,
refuses a file over the size cap before anything is uploaded, and the mentor sees a thumbnail, not the original.

The server re-encodes images only down to UPLOAD_IMAGE_MAX_SIDE (4096 px), so a 4000×3000 photo that arrives at
2048 px on its longest side (and as a much smaller request body) was made smaller by mentorship/evidence.js: without
that script the stored image would be 4000×3000 and the request would carry the whole file."""

import datetime
import io

import pytest
from PIL import Image

from mentorship.models import Attachment, Submission
from tests.browser.mentoring_city import paired_apprentice

JS_MAX_SIDE = 2048  # MAX_SIDE in mentorship/static/mentorship/evidence.js
PASSWORD = "Passw0rd!2026"


def _noisy_photo(path, width=4000, height=3000):
    """A 12-megapixel JPEG of a few MB: a colour gradient with coarse noise, so it compresses like a photo, not a
    flat colour."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width // 4, height // 4), 64).resize(
        (width, height), Image.Resampling.NEAREST
    )
    photo = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    photo.save(path, format="JPEG", quality=95)
    return path


def _evidence_posts(page):
    """Every POST the page sends to the evidence view, with its body size (multipart, files included)."""
    posts = []

    def record(request):
        if request.method == "POST" and "/mentoring/evidence/" in request.url:
            body = request.post_data_buffer
            posts.append({"url": request.url, "bytes": len(body) if body is not None else 0})

    page.on("request", record)
    return posts


def _open_form(page, live_server):
    page.goto(f"{live_server.url}/mentoring/me/")
    page.click("summary:has-text('提交证明材料')")
    page.fill("textarea[name=text]", "独立检查某五金厂，发现消防通道堵塞")
    page.fill("input[name=happened_on]", datetime.date.today().isoformat())
    page.fill("input[name=place]", "东华街道某五金厂")


@pytest.mark.django_db(transaction=True)
def test_photo_shrunk_in_browser_oversize_refused_mentor_sees_thumbnail(
    phone, login, live_server, tmp_path, settings
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    max_file = settings.UPLOAD_MAX_FILE_BYTES
    assert (
        settings.UPLOAD_IMAGE_MAX_SIDE > 4000
    )  # else the server alone would shrink it and this proves nothing
    paired_apprentice(mentor_username="mentor_p", apprentice_username="apprentice_p")

    photo = _noisy_photo(tmp_path / "现场.jpg")
    photo_bytes = photo.stat().st_size
    assert (
        2 * 1024 * 1024 < photo_bytes < max_file
    )  # several MB, yet under the cap: the server would take it whole

    login(phone, "apprentice_p", PASSWORD)
    posts = _evidence_posts(phone)

    # 1. A file over the cap that the browser cannot shrink (a PDF) is refused at once, in Chinese, and never sent.
    big_pdf = tmp_path / "检查报告.pdf"
    big_pdf.write_bytes(b"%PDF-1.4\n" + b"0" * (max_file + 1024) + b"\n%%EOF\n")
    _open_form(phone, live_server)
    form = phone.locator("form[data-evidence-form]")
    phone.set_input_files("input[name=files]", str(big_pdf))
    problem = form.locator("[data-file-problem]")
    problem.wait_for(state="visible")
    cap = f"{max_file / 1048576:.1f} MB"
    assert problem.inner_text() == f"“检查报告.pdf”超过 {cap}。"
    assert form.locator("button[type=submit]").is_disabled()
    # Even a submit that gets past the disabled button (Enter, a script) is stopped by the form's own check.
    phone.evaluate("document.querySelector('form[data-evidence-form]').requestSubmit()")
    phone.wait_for_timeout(500)
    assert posts == []
    assert phone.url.endswith("/mentoring/me/")
    assert not Submission.objects.exists() and not Attachment.objects.exists()

    # 2. The 12-megapixel photo is shrunk before it is sent, and the submission goes through.
    phone.set_input_files("input[name=files]", str(photo))
    summary = form.locator("[data-file-summary]")
    phone.wait_for_function(
        "el => /^已选 1 个文件/.test(el.textContent)", arg=summary.element_handle(), timeout=20000
    )
    assert problem.is_hidden()
    assert form.locator("button[type=submit]").is_enabled()
    sent = phone.evaluate(
        "() => { const f = document.querySelector('input[name=files]').files[0];"
        " return {name: f.name, size: f.size, type: f.type}; }"
    )
    assert sent["type"] == "image/jpeg" and sent["name"] == "现场.jpg"
    assert sent["size"] < photo_bytes / 2
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    phone.wait_for_load_state("networkidle")

    assert len(posts) == 1
    assert posts[0]["bytes"] < photo_bytes / 2  # the request carried the shrunk photo, not the original
    success = phone.locator("ul.messages li.success")
    assert success.inner_text() == "证明材料已提交，等待导师审核。"
    assert phone.locator("ul.messages li.error").count() == 0
    assert "等待审核" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    att = Attachment.objects.get()
    assert att.content_type == "image/jpeg"
    with att.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        stored.load()
    assert max(stored.size) == JS_MAX_SIDE  # 4000×3000 became 2048×1536 in the browser
    assert stored.size == (2048, 1536)

    # 3. The mentor's list shows the thumbnail, which opens the full photo.
    mentor_context = phone.context.browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", device_scale_factor=2, is_mobile=True
    )
    mentor = mentor_context.new_page()
    image_responses = []
    mentor.on(
        "response",
        lambda r: (
            image_responses.append((r.url, int(r.headers.get("content-length") or 0)))
            if "/mentoring/file/" in r.url
            else None
        ),
    )
    login(mentor, "mentor_p", PASSWORD)
    mentor.goto(f"{live_server.url}/mentoring/")
    img = mentor.locator("#pending img")
    assert img.count() == 1
    img.scroll_into_view_if_needed()
    mentor.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    thumb_url = f"/mentoring/file/{att.pk}/?size=thumb"
    assert img.get_attribute("src") == thumb_url
    assert img.locator("xpath=..").get_attribute("href") == f"/mentoring/file/{att.pk}/"
    natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert max(natural) <= 480 and natural[0] < JS_MAX_SIDE  # the thumbnail, not the 2048 px original
    fetched = [size for url, size in image_responses if url.endswith(thumb_url)]
    assert fetched and 0 < fetched[0] < 200 * 1024
    assert not any(url.endswith(f"/mentoring/file/{att.pk}/") for url, _ in image_responses)
    assert mentor.evaluate("document.documentElement.scrollWidth") <= 360
    mentor_context.close()
    assert phone.external_requests == []
