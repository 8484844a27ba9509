"""An apprentice on a phone submits evidence with a photo; the mentor approves it; the stage advances."""

import datetime
import struct
import zlib

import pytest

from tests.browser.mentoring_city import paired_apprentice


def _png(path):
    """A real 8×8 PNG so the browser uploads an image/png file."""
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * 8 for _ in range(8))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.django_db(transaction=True)
def test_evidence_photo_sign_off_advances_stage(phone, login, live_server, tmp_path, chromium_browser):
    apprenticeship = paired_apprentice(mentor_username="mentor_b", apprentice_username="apprentice_b")

    login(phone, "apprentice_b", "Passw0rd!2026")
    phone.goto(f"{live_server.url}/mentoring/me/")
    phone.click("text=提交证明材料")
    phone.fill("textarea[name=text]", "独立检查某五金厂，发现消防通道堵塞")
    phone.fill("input[name=happened_on]", datetime.date.today().isoformat())
    phone.fill("input[name=place]", "东华街道某五金厂")
    phone.set_input_files("input[name=files]", str(_png(tmp_path / "scene.png")))
    phone.click("text=提交签字确认")
    phone.wait_for_load_state("networkidle")
    assert "等待审核" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    mentor_page = phone.context.browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    login(mentor_page, "mentor_b", "Passw0rd!2026")
    mentor_page.goto(f"{live_server.url}/mentoring/")
    assert mentor_page.locator("#pending img").count() == 1  # the photo is shown to the mentor
    mentor_page.fill("#pending textarea[name=comment]", "能够独立完成")
    asked = []
    # 签字确认 asks first and says it is final: dismissing the question signs nothing; accepting it signs off.
    mentor_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    mentor_page.click("#pending button[value=approved]")
    mentor_page.wait_for_timeout(300)
    assert asked and asked[0].endswith("This is final.")  # this context has no zh-CN locale: English
    assert mentor_page.locator("#pending button[value=approved]").count() == 1  # still waiting: nothing sent
    mentor_page.once("dialog", lambda dialog: dialog.accept())
    mentor_page.click("#pending button[value=approved]")
    mentor_page.wait_for_load_state("networkidle")

    phone.goto(f"{live_server.url}/mentoring/me/")
    assert "当前阶段：考核选用" in phone.content()
    apprenticeship.refresh_from_db()
    assert apprenticeship.current_stage.name == "考核选用"
    mentor_page.context.close()
