"""Set-up mode on a configured reader (firmware/loader.py, firmware/setup_ap.py): the BOOT
button held 3 s or the `setup` flag file opens the set-up page; its lock keeps whoever can
press the button from redirecting the reader to another hub; settings from the page that
never reached the broker open it again by themselves, settings that worked never do."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path

from tests.firmware.conftest import wait_until
from tests.firmware.test_setup_ap import post

PASSWORD = "reader-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configured(reader_factory, **config):
    """A reader with working settings (it has a password), its page on a free port."""
    r = reader_factory(mqtt_pass=PASSWORD, setup_button_ms=300, **config)
    r.prepare()
    port = free_port()
    (r.workdir / "sim-setup-port").write_text(str(port))
    return r, f"http://127.0.0.1:{port}/"


def saved(r) -> dict:
    return json.loads((r.workdir / "config.json").read_text())


def form(r, **fields: str) -> dict[str, str]:
    """The page's fields as the reader has them (passwords empty), with `fields` changed."""
    base = {k: str(r.config[k]) for k in ("wifi_ssid", "broker_host", "reader_id")}
    return {**base, "wifi_pass": "new-wifi-pass", "mqtt_pass": "", **fields}


def assert_reset(r) -> None:
    wait_until(lambda: not r.running)
    assert r.returncode == 4  # machine.reset(): the next boot uses what was saved


def test_button_held_3_s_opens_the_page_a_short_press_is_still_safe_mode(reader_factory) -> None:
    r, url = configured(reader_factory)
    (r.workdir / "sim-button").write_text("0:200\n")
    r.start()
    assert r.lines("safe") == [["safe", "button"]] and not r.lines("setup")
    r.stop()
    (r.workdir / "sim-button").write_text("0:1000\n")  # held past setup_button_ms
    r.start()
    assert r.lines("setup") == [["setup", "button", "ewidencjoner-000001", "locked"]]
    assert not r.lines("ready") and not r.lines("watchdog")
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    assert 'value="virtual"' in page and 'value="127.0.0.1"' in page and 'value="r1"' in page
    assert PASSWORD not in page and "name=mqtt_pass_now" in page


def test_the_wifi_alone_changes_without_a_password_and_the_lock_stays(reader_factory) -> None:
    r, url = configured(reader_factory)
    (r.workdir / "setup").write_text("")  # `mpremote touch :setup`, then a reset
    r.start()
    assert r.lines("setup")[0][:2] == ["setup", "flag"]
    assert not (r.workdir / "setup").exists()  # one boot only
    status, body = post(url, form(r, wifi_ssid="Przedszkole nowe"))
    assert status == 200, body
    assert_reset(r)
    cfg = saved(r)
    assert cfg["wifi_ssid"] == "Przedszkole nowe" and cfg["wifi_pass"] == "new-wifi-pass"
    assert (cfg["broker_host"], cfg["reader_id"], cfg["mqtt_pass"]) == ("127.0.0.1", "r1", PASSWORD)
    assert json.loads((r.workdir / "setup_new").read_text()) == {"hub": False}  # still locked


def test_the_hub_changes_only_with_the_readers_current_password(reader_factory) -> None:
    r, url = configured(reader_factory)
    (r.workdir / "setup").write_text("")
    r.start()
    before = (r.workdir / "config.json").read_text()
    for change in ({"broker_host": "10.6.6.6"}, {"reader_id": "inny"}, {"mqtt_pass": "attacker-pass"}):
        for proof in ("", "wrong-guess"):
            status, body = post(url, form(r, **change, mqtt_pass_now=proof))
            assert status == 422 and "id=mqtt_pass_now name=mqtt_pass_now" in body, change
    assert (r.workdir / "config.json").read_text() == before and r.running
    r.stop()
    r.start()  # a new boot, a new count of misses (the flag is gone: set it again)
    assert r.lines("ready")
    r.stop()
    (r.workdir / "setup").write_text("")
    r.start()
    status, body = post(url, form(r, broker_host="192.168.1.30", mqtt_pass_now=PASSWORD))
    assert status == 200, body
    assert_reset(r)
    cfg = saved(r)
    assert cfg["broker_host"] == "192.168.1.30" and cfg["mqtt_pass"] == PASSWORD
    assert json.loads((r.workdir / "setup_new").read_text()) == {"hub": True}


def test_wrong_passwords_lock_the_page_until_the_next_boot(reader_factory) -> None:
    r, url = configured(reader_factory)
    (r.workdir / "setup").write_text("")
    r.start()
    before = (r.workdir / "config.json").read_text()
    for guess in range(5):
        status, _ = post(url, form(r, broker_host="10.6.6.6", mqtt_pass_now=f"guess-{guess}"))
        assert status == 422
    status, body = post(url, form(r, broker_host="10.6.6.6", mqtt_pass_now=PASSWORD))
    assert status == 422 and "Too many wrong passwords" in body
    assert (r.workdir / "config.json").read_text() == before and r.running


def test_an_unsaved_page_closes_after_setup_s_and_the_reader_works_again(reader_factory) -> None:
    r, _url = configured(reader_factory, setup_s=1)
    (r.workdir / "setup").write_text("")
    r.start()
    assert_reset(r)
    assert r.lines("setup")[-1] == ["setup", "timeout"]
    r.stop()
    r.start()
    assert r.lines("ready")


def test_settings_that_never_reached_the_broker_reopen_the_page(reader_factory, tmp_path: Path) -> None:
    r, url = configured(reader_factory, broker_port=free_port(), boot_loop_s=1, keepalive_s=1)
    (r.workdir / "setup_new").write_text('{"hub": true}')  # saved on the page, never worked
    r.start()
    assert_reset(r)
    assert ["setup", "again"] in r.lines("setup")
    r.stop()
    r.start()
    assert r.lines("setup")[-1] == ["setup", "wifi", "ewidencjoner-000001", "open"]  # a typo: no lock
    with urllib.request.urlopen(url, timeout=10) as response:
        assert "name=mqtt_pass_now" not in response.read().decode()


def test_settings_that_worked_once_never_open_the_page_by_themselves(reader_factory) -> None:
    r, _url = configured(reader_factory, boot_loop_s=3)  # the broker is reached well before
    (r.workdir / "setup_new").write_text('{"hub": true}')
    r.start()
    r.wait_for(["mqtt", "up", "0"].__eq__)
    wait_until(lambda: not (r.workdir / "setup_new").exists())
    r.wifi(False)  # the kindergarten's router is down for a while
    time.sleep(3.5)  # past boot_loop_s: the absence of the page can only be waited out
    assert r.running and not r.lines("setup")


def test_an_unreadable_marker_keeps_the_lock(reader_factory) -> None:
    r, url = configured(reader_factory)
    (r.workdir / "setup_new").write_text('{"hub": tr')  # cut short
    (r.workdir / "setup").write_text("")
    r.start()
    assert r.lines("setup")[-1][-1] == "locked"
    status, _ = post(url, form(r, broker_host="10.6.6.6"))
    assert status == 422


def test_safe_mode_wins_and_the_setup_flag_waits_for_it(reader_factory) -> None:
    r, _url = configured(reader_factory)
    (r.workdir / "safe").write_text("")
    (r.workdir / "setup").write_text("")
    r.start()
    assert r.lines("safe") == [["safe", "flag"]] and not r.lines("setup")
    r.stop()
    (r.workdir / "safe").unlink()  # the cable copy is done
    r.start()
    assert r.lines("setup")[-1][:2] == ["setup", "flag"]
