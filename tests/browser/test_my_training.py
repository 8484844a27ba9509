"""The demo trainee logs in on a phone and sees the Chinese "我的培训" page with their unit."""

import pytest
from django.core.management import call_command

from cms.models import Officer


@pytest.mark.django_db(transaction=True)
def test_demo_trainee_sees_my_training(phone, login, live_server):
    call_command("seed_demo", "--skip-apps", verbosity=0)
    officer = Officer.objects.select_related("unit").get(user__username="demo_trainee")

    login(phone, "demo_trainee", "Demo@2026!")

    assert phone.url.rstrip("/").endswith("/me")
    assert phone.locator("h1").first.inner_text() == "我的培训"
    unit_text = phone.locator("#officer-unit").inner_text()
    assert officer.unit.name in unit_text and unit_text.startswith("示范市/")
    # Fits a 360 px screen: nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.external_requests == []
    phone.screenshot(path="/tmp/my_training_360.png", full_page=True)
