"""Smoke tests through nginx in front of two gunicorns (make deploy-check): static files, private files, sign-in
page, the exam page's requests, the client address the audit trail records, and back-pressure headers."""

import json
import os

from tests.deploy.conftest import Http, examinees


def test_static_files_are_served_by_nginx_compressed_with_a_long_cache(base_url):
    status, _h, body = Http(base_url).request("GET", "/accounts/login/")
    assert status == 200
    css = next(
        part.split('"')[0]
        for part in body.decode().split('href="')[1:]
        if part.split('"')[0].endswith(".css")
    )
    status, headers, _b = Http(base_url).request("GET", css, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" in headers.get("Cache-Control", "")
    assert headers.get("Content-Encoding") == "gzip"
    assert headers.get("Server", "").startswith("nginx")


def test_private_files_are_never_served_directly(base_url):
    root = os.environ["DEPLOY_RUN_DIR"] + "/private"
    with open(root + "/secret.txt", "w") as f:
        f.write("evidence")
    for path in ("/_private/secret.txt", "/private/secret.txt", "/media/../private/secret.txt"):
        status, _h, body = Http(base_url).request("GET", path)
        assert status in (302, 404) and b"evidence" not in body, path


def test_an_examinee_saves_polls_and_sees_their_answers_through_nginx(base_url):
    one = examinees(1)["examinees"][0]
    http = Http(base_url, one["session"])
    attempt = one["attempt"]
    status, _h, body = http.request("GET", f"/exams/attempt/{attempt}/")
    assert status == 200 and b"exam-config" in body
    save = json.dumps({"position": 1, "seq": 1, "answer": 2}).encode()
    status, _h, body = http.request(
        "POST", f"/exams/attempt/{attempt}/save/", save, {"Content-Type": "application/json"}
    )
    assert status == 200 and json.loads(body)["ok"], body
    status, _h, body = http.request("GET", f"/exams/attempt/{attempt}/state/")
    state = json.loads(body)
    assert status == 200 and state["status"] == "in_progress" and "saved" not in state
    status, _h, body = http.request("GET", f"/exams/attempt/{attempt}/state/?saved=1")
    assert json.loads(body)["saved"]["1"]["answer"] == 2
