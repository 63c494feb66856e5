"""End to end in a real browser: Debian's chromium (headless, driven through chromedriver's
W3C WebDriver HTTP API with the standard library) against `airflow api-server` started here,
with the plugin found through its entry point and the demo's results written by the CLI.
Logs in through Airflow's login form, opens "Data quality", then the failed 2013-02-08 run.
Screenshots are saved under the test's tmp directory. Runs, never skips, when CI=true."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, ROOT
from tests.ui.airflow_env import entry_point_dir

pytestmark = pytest.mark.airflow
CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync "
    "--window-size=1400,1100"
).split()
PY = sys.executable
AIRFLOW = str(Path(PY).with_name("airflow"))
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[0]} exited: {log.read_text()[-2000:] if log.exists() else ''}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds}s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Browser:
    """The few WebDriver commands the test needs (https://www.w3.org/TR/webdriver2/)."""

    def __init__(self, profile: Path, log: Path) -> None:
        port = free_port()
        self.driver = subprocess.Popen(
            ["chromedriver", f"--port={port}", f"--log-path={log}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_http(f"{self.base}/status", self.driver, 20, log)
        options = {"binary": CHROMIUM, "args": [*FLAGS, f"--user-data-dir={profile}"]}
        caps = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
        self.session = self._call("POST", "/session", {"capabilities": caps})["sessionId"]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"webdriver {path}: {exc.read().decode()[:300]}") from None

    def cmd(self, method: str, path: str, body: Any = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, url: str) -> None:
        self.cmd("POST", "/url", {"url": url})

    def find(self, css: str, seconds: float = 90) -> str:
        deadline = time.monotonic() + seconds
        while True:
            found = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
            if found:
                return str(found[0][ELEMENT])
            if time.monotonic() > deadline:
                raise AssertionError(f"no element {css!r} on {self.cmd('GET', '/url')}")
            time.sleep(0.3)

    def type(self, css: str, text: str) -> None:
        self.cmd("POST", f"/element/{self.find(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self.cmd("POST", f"/element/{self.find(css)}/click", {})

    def text(self, css: str) -> str:
        return str(self.cmd("GET", f"/element/{self.find(css)}/text"))

    def log_in(self, user: str, secret: str, seconds: float = 90) -> None:
        """Fill Airflow's login form and submit it until the browser leaves /auth/login (the
        submit button stays disabled until React has seen both fields)."""
        self.type("input[name=username]", user)
        self.type("input[name=password]", secret)
        deadline = time.monotonic() + seconds
        while "/auth/login" in str(self.cmd("GET", "/url")):
            if time.monotonic() > deadline:
                raise AssertionError("still on the login page")
            found = self.cmd("POST", "/elements", {"using": "css selector", "value": "button"})
            submit = [e[ELEMENT] for e in found if self._submit(e[ELEMENT])]
            if submit:
                self.cmd("POST", f"/element/{submit[0]}/click", {})
            time.sleep(1)

    def _submit(self, element: str) -> bool:
        kind = self.cmd("GET", f"/element/{element}/attribute/type")
        return kind == "submit" and self.cmd("GET", f"/element/{element}/enabled") is True

    def frame(self, css: str) -> None:
        self.cmd("POST", "/frame", {"id": {ELEMENT: self.find(css)}})

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.cmd("GET", "/screenshot")))
        return path

    def quit(self) -> None:
        try:
            self.cmd("DELETE", "")
        finally:
            stop(self.driver)


def need_browser() -> None:
    missing = [p for p in (CHROMIUM, shutil.which("chromedriver")) if not p or not Path(p).exists()]
    if missing:
        message = "chromium/chromedriver missing: apt-get install -y chromium chromium-driver"
        pytest.fail(message) if IN_CI else pytest.skip(message)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "datavigil.cli", "-q", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def airflow_ui(
    demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The demo's results in a private store, and an api-server reading them."""
    need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    home = tmp / "airflow"
    paths = [str(ROOT), str(entry_point_dir(tmp / "ep") or "")]
    env = os.environ | {
        "DATAVIGIL_RESULTS_URL": f"sqlite:///{tmp / 'results.db'}",
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API_AUTH__JWT_SECRET": "browser-test-jwt-secret-" + "x" * 40,
        "AIRFLOW__API__SECRET_KEY": "browser-test-secret-key",
    }
    home.mkdir()
    migrate = subprocess.Popen([AIRFLOW, "db", "migrate"], env=env, stdout=subprocess.DEVNULL)
    snap = cli(env, "snapshot", "capture", "flights", "--from", "2013-01-01", "--to", "2013-01-31")
    assert snap.returncode == 0, snap.stderr
    done = cli(env, "validate", "flights", "--date", "2013-02-08")  # the blizzard: fails
    assert done.returncode == 1, done.stdout + done.stderr
    assert migrate.wait(timeout=120) == 0
    port = free_port()
    log = tmp / "api-server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", server, 90, log)
        yield f"http://127.0.0.1:{port}", home
    finally:
        stop(server)


def password(home: Path) -> str:
    generated = home / "simple_auth_manager_passwords.json.generated"
    return str(json.loads(generated.read_text())["admin"])


def test_failed_run_is_one_click_from_the_data_quality_page(
    airflow_ui: tuple[str, Path], tmp_path: Path
) -> None:
    base, home = airflow_ui
    browser = Browser(tmp_path / "profile", tmp_path / "chromedriver.log")
    try:
        browser.open(f"{base}/plugin/data-quality")  # anonymous: Airflow's login form
        browser.log_in("admin", password(home))
        browser.open(f"{base}/plugin/data-quality")
        browser.frame("iframe")  # the external view: our page inside Airflow's UI
        assert "flights" in browser.text("table.suites")
        browser.cmd("POST", "/frame/parent", {})
        browser.screenshot(tmp_path / "1-data-quality-page.png")
        browser.frame("iframe")
        browser.click("table.runs tr.row-fail a")  # the newest failed run: 2013-02-08
        row = browser.text('tr[data-check="nulls.dep_time"]')
        assert "fail" in row and "0.5075" in row and "<= 0.1" in row, row
        assert "2013-02-08" in browser.text("h1")
        browser.cmd("POST", "/frame/parent", {})
        shot = browser.screenshot(tmp_path / "2-run-2013-02-08.png")
        assert shot.stat().st_size > 10_000
    except AssertionError:
        browser.cmd("POST", "/frame", {"id": None})
        browser.screenshot(tmp_path / "failure.png")  # what the browser showed
        (tmp_path / "failure.html").write_text(browser.cmd("GET", "/source"))
        raise
    finally:
        browser.quit()
