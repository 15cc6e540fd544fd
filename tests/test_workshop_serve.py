"""``cxassess workshop serve`` / ``stop`` and ``cxassess.workshop.serve()``: a real server, real HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cxassess.errors import CxError
from cxassess.workshop.serve import load_attributes, serve, state_file
from cxassess.workshop.store import SessionStore

MINI = Path(__file__).parent / "data" / "mini.yaml"
ROOT = Path(__file__).resolve().parents[1]


def _join(join_url: str) -> tuple[httpx.Client, str]:
    """A phone: open the join link, tap Start; returns its client (cookies) and CSRF token."""
    phone = httpx.Client(follow_redirects=True, timeout=10)
    phone.get(join_url).raise_for_status()
    csrf = phone.cookies["cx_csrf"]
    r = phone.post(join_url, data={"csrf": csrf})
    assert r.status_code == 200 and r.url.path == "/p/0", r.text
    return phone, csrf


def test_cli_serves_until_stopped_and_every_answer_is_kept(tmp_path):
    attributes = tmp_path / "attributes.yaml"
    attributes.write_text("role: [Manager, Staff]\n", encoding="utf-8")
    session = tmp_path / "acme.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cxassess", "workshop", "serve", "--client", "Acme", "--questionnaire", str(MINI),
         "--attributes", str(attributes), "--session", str(session), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        lines = []
        while not any("Projector" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"the server ended early: {proc.stderr.read()}"
            lines.append(line)
        text = "".join(lines)
        join_url = re.search(r"join at (http://127\.0\.0\.1:\d+/join/\S+)", text).group(1)
        facilitator_url = re.search(r"(http://127\.0\.0\.1:\d+/f/\S+)", text).group(1)
        assert "█" in text  # the QR code, drawn in the terminal
        phone, csrf = _join(join_url)
        base = join_url.split("/join/")[0]
        r = phone.post(f"{base}/p/0", data={"csrf": csrf, "attr:role": "Staff", "action": "next"})
        assert r.url.path == "/p/1"
        r = phone.post(f"{base}/api/answer", json={"item": "A1", "value": 4}, headers={"X-CSRF-Token": csrf})
        assert r.json() == {"saved": True, "item": "A1", "answered": 1, "total": 5}
        assert httpx.get(facilitator_url).status_code == 200
        assert state_file(session).exists()
        stop = subprocess.run([sys.executable, "-m", "cxassess", "workshop", "stop", "--session", str(session)],
                              capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0, stop.stderr
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not state_file(session).exists()
    with SessionStore(session) as store:
        (code,) = store.participant_codes()
        state = store.participant(code)
        assert state.attributes == {"role": "Staff"} and state.answers == {"A1": 4.0}
    again = subprocess.run([sys.executable, "-m", "cxassess", "workshop", "stop", "--session", str(session)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "no workshop server is running" in again.stderr


def test_notebook_serve_shows_links_and_qr_and_keeps_links_across_restarts(tmp_path):
    server = serve("Acme", MINI, tmp_path / "s.sqlite", {"role": ["Manager", "Staff"]}, port=0)
    try:
        html = server._repr_html_()
        assert server.join_url in html and "<svg" in html and server.facilitator_url in html
        assert str(tmp_path) not in html  # the session file's path is not shown
        first_join = server.join_url.split("/join/")[1]
        phone, _ = _join(server.join_url)
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.join_url, timeout=2)
    again = serve("Acme", MINI, tmp_path / "s.sqlite", port=0)
    try:  # the links handed out (QR codes printed on paper) still work after a restart
        assert again.join_url.split("/join/")[1] == first_join
        base = again.base_url
        r = phone.get(f"{base}/p")  # the same phone, same cookie: back where it was
        assert r.status_code == 200 and r.url.path == "/p/0"
    finally:
        again.stop()


def test_port_in_use_is_a_clear_error(tmp_path):
    server = serve("Acme", MINI, tmp_path / "a.sqlite", port=0)
    try:
        with pytest.raises(CxError, match=f"port {server.port} is already in use"):
            serve("Acme", MINI, tmp_path / "a.sqlite", port=server.port)
    finally:
        server.stop()


@pytest.mark.parametrize("text, message", [
    ("role: Manager\n", "attribute 'role': expected a list of choices"),
    ("- Manager\n", "expected each attribute with its choices"),
    ("role: [Manager, [Staff]]\n", "attribute 'role': expected a list of choices as text"),
    ("role: [a\n", "not valid YAML at line"),
])
def test_bad_attributes_file_is_located(tmp_path, text, message):
    path = tmp_path / "attributes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CxError, match=re.escape(message)):
        load_attributes(path)


def test_attributes_file_reads_names_and_choices(tmp_path):
    path = tmp_path / "attributes.yaml"
    path.write_text("role: [Senior leader, ' Manager ']\ndepartment: [Sales]\n", encoding="utf-8")
    assert load_attributes(path) == {"role": ["Senior leader", "Manager"], "department": ["Sales"]}


def test_ctrl_c_closes_cleanly(tmp_path):
    import signal

    session = tmp_path / "c.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "cxassess", "workshop", "serve", "--client", "Acme",
                             "--questionnaire", str(MINI), "--session", str(session), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while "Projector" not in (line := proc.stdout.readline()):
            assert line, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        assert "workshop server stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not state_file(session).exists()
    with SessionStore(session) as store:
        assert store.integrity_ok()
