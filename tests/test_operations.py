"""Running the site: working folders a killed process leaves are swept at the next start (and
those still in use are not), files are private, `/healthz` says whether the database and the
store work, and every request has an id that its log lines carry."""

from __future__ import annotations

import configparser
import io
import json
import logging
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zerocity.core import workdirs
from zerocity.core.logs import JsonFormatter, RequestIdFilter
from zerocity.server import UMASK, prepare

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def held_by_a_process(data_dir: Path, area: str) -> tuple[subprocess.Popen[str], Path]:
    """Another process that holds a working folder (as an ingest or a server does)."""
    code = ("import sys, time; from django.conf import settings; "
            "settings.configure(DATA_DIR=sys.argv[1]); "
            "from zerocity.core.workdirs import WorkDir; "
            f"w = WorkDir({area!r}); (w.path / 'staged.parquet').write_bytes(b'x'); "
            "print(w.path, flush=True); time.sleep(600)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(data_dir)], text=True,
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.stdout is not None
    return proc, Path(proc.stdout.readline().strip())


# -- leftovers ------------------------------------------------------------------------------------

def test_a_killed_ingests_staging_folder_is_removed_at_the_next_start(data_dir):
    proc, folder = held_by_a_process(data_dir, "ingest-tmp")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (folder / "staged.parquet").exists()  # what kill -9 leaves

    prepare()

    assert not folder.exists()
    assert list((data_dir / "ingest-tmp").iterdir()) == []


def test_a_running_ingests_staging_folder_is_kept_when_the_server_starts_beside_it(data_dir):
    proc, folder = held_by_a_process(data_dir, "ingest-tmp")
    try:
        prepare()
        assert (folder / "staged.parquet").exists()
    finally:
        proc.kill()
        proc.wait()


def test_upload_temp_files_of_a_killed_server_are_removed_at_the_next_start(data_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROCITY_")}
    env.update(PYTHONPATH=str(SRC), ZEROCITY_DATA_DIR=str(data_dir))
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "zerocity", "serve", "--port", "0"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    assert server.stdout is not None
    server.stdout.readline()  # "ZeroCity on ...": the server's upload folder now exists
    uploads = data_dir / workdirs.UPLOADS
    [folder] = [p for p in uploads.iterdir() if p.is_dir()]
    (folder / "tmpk2x9.upload.csv").write_bytes(b"meter,time,value\n")  # half an upload
    server.send_signal(signal.SIGKILL)
    server.wait()

    prepare()

    assert list(uploads.iterdir()) == []


def test_a_folder_without_its_lock_file_has_no_owner_and_is_removed(data_dir):
    stray = data_dir / "ingest-tmp" / "0123abcd"
    stray.mkdir(parents=True)
    workdirs.register("ingest-tmp")
    assert prepare() is None and not stray.exists()


def test_a_working_folder_removes_itself_and_its_lock(data_dir):
    work = workdirs.WorkDir("ingest-tmp")
    assert mode(work.path) == 0o700 and mode(work.lock) == 0o600
    work.remove()
    assert list((data_dir / "ingest-tmp").iterdir()) == []


# -- private files --------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_server_makes_an_existing_data_directory_and_sqlite_file_private(data_dir, settings):
    data_dir.mkdir(mode=0o755)
    db = data_dir / "zerocity.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    settings.DATABASES = {"default": {**settings.DATABASES["default"],
                                      "ENGINE": "django.db.backends.sqlite3", "NAME": str(db)}}
    prepare()
    assert (mode(data_dir), mode(db)) == (0o700, 0o600)


def test_what_the_commands_write_is_readable_by_their_owner_alone(tmp_path):
    # the umask `zerocity` sets before anything is written, seen in a fresh process
    code = ("import os; from zerocity.server import private_files; private_files(); "
            "open(os.path.join(os.environ['OUT'], 'f'), 'w').close(); "
            "os.mkdir(os.path.join(os.environ['OUT'], 'd'))")
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**os.environ, "PYTHONPATH": str(SRC), "OUT": str(tmp_path)})
    assert (mode(tmp_path / "f"), mode(tmp_path / "d"), UMASK) == (0o600, 0o700, 0o077)


# -- /healthz -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_is_public_and_says_the_database_and_store_work(client, data_dir):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}
    assert response["Cache-Control"] == "no-store"
    assert list((data_dir / "ingest-tmp").iterdir()) == []  # the probe file is gone


def test_livez_answers_without_the_database_or_the_store(client, settings, tmp_path):
    """A liveness probe must not restart a healthy process for a database outage: /livez asks
    nothing of either (and stays the bare view that bench/engage_bench.py measures against)."""
    (tmp_path / "disk").write_text("not a folder")
    settings.DATA_DIR = tmp_path / "disk" / "data"
    response = client.get("/livez")  # no django_db mark: a query here would raise
    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert client.post("/livez").status_code == 405


@pytest.mark.django_db
def test_healthz_answers_503_when_the_store_cannot_be_written(client, settings, tmp_path):
    (tmp_path / "disk").write_text("not a folder")  # the data disk is not mounted as it should
    settings.DATA_DIR = tmp_path / "disk" / "data"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "checks": {
        "database": "ok", "store": "failing: NotADirectoryError"}}


def test_healthz_answers_503_without_naming_the_database_when_it_is_down(tmp_path):
    code = ("import django; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz', HTTP_HOST='localhost'); "
            "print(r.status_code, r.content.decode())")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROCITY_")}
    env.update(PYTHONPATH=str(SRC), ZEROCITY_DATA_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="zerocity.settings",
               DATABASE_URL="postgres://zerocity:hunter2@127.0.0.1:9/zerocity")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    status, body = out.split(" ", 1)
    assert status == "503"
    assert json.loads(body)["checks"]["database"] == "failing: OperationalError"
    assert "hunter2" not in body and "127.0.0.1" not in body


def test_healthz_is_not_redirected_to_https_so_a_local_monitor_can_ask(tmp_path):
    from test_production import PRODUCTION, environment

    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**environment(tmp_path, **PRODUCTION),
                                          "DJANGO_SETTINGS_MODULE": "zerocity.settings"})
    assert out.stdout.strip() == "True ['^healthz$', '^livez$']"


# -- request ids and JSON logs --------------------------------------------------------------------

@pytest.fixture
def json_log():
    """The production log handler (request id filter, JSON lines), writing to a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root, access = logging.getLogger(), logging.getLogger("zerocity.request")
    root.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    access.setLevel(level)
    root.removeHandler(handler)


@pytest.mark.django_db
def test_each_request_is_logged_as_one_json_line_with_its_request_id(client, json_log):
    response = client.get("/healthz")
    [line] = [e for e in json_log() if e["logger"] == "zerocity.request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert (line["method"], line["path"], line["status"], line["user_id"]) == \
        ("GET", "/healthz", 200, None)
    assert line["message"] == "GET /healthz 200"


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_and_a_forged_one_is_replaced(client, json_log):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="9f86d081884c7d659a2feaa0c55ad015")
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" "level": "INFO')
    assert kept["X-Request-ID"] == "9f86d081884c7d659a2feaa0c55ad015"
    assert forged["X-Request-ID"] != 'x" "level": "INFO'
    assert [e["request_id"] for e in json_log() if e["logger"] == "zerocity.request"] == \
        [kept["X-Request-ID"], forged["X-Request-ID"]]


@pytest.mark.django_db
def test_a_warning_inside_a_request_carries_that_requests_id(client, json_log):
    response = client.get("/healthz", HTTP_HOST="attacker.example")  # not an allowed host
    assert response.status_code == 400
    [warning] = [e for e in json_log() if e["logger"] == "django.security.DisallowedHost"]
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["level"] == "ERROR"


def test_a_log_line_outside_a_request_has_no_request_id(json_log):
    logging.getLogger("zerocity.server").warning("started", extra={"port": 8000})
    [line] = json_log()
    assert (line["message"], line["request_id"], line["port"]) == ("started", "-", 8000)


# -- the deployment guide and its files -----------------------------------------------------------

ROOT = SRC.parent


def unit(name: str) -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(ROOT / "deploy" / "systemd" / name)
    return dict(parser["Service"])


def test_the_web_servers_unit_runs_serve_with_options_it_accepts_privately():
    from zerocity.cli import main

    service = unit("zerocity.service")
    exe, command, *args = shlex.split(service["ExecStart"])
    assert (Path(exe).name, command) == ("zerocity", "serve")
    params = main.commands["serve"].make_context("serve", args).params
    assert (params["host"], params["port"]) == ("127.0.0.1", 8000)
    assert (service["User"], service["UMask"], service["EnvironmentFile"]) == \
        ("zerocity", "0077", "/etc/zerocity/zerocity.env")


def test_the_workers_unit_runs_the_worker_with_the_same_environment():
    service, web = unit("zerocity-worker.service"), unit("zerocity.service")
    assert shlex.split(service["ExecStart"])[1:] == ["worker"]
    assert {k: service[k] for k in ("User", "UMask", "EnvironmentFile", "ReadWritePaths")} == \
        {k: web[k] for k in ("User", "UMask", "EnvironmentFile", "ReadWritePaths")}


def test_the_guide_names_every_file_it_describes():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    shipped = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "deploy").rglob("*")
                     if p.is_file())
    assert {"deploy/nginx/zerocity-proxy.conf", "deploy/nginx/zerocity.conf",
            "deploy/systemd/zerocity-worker.service", "deploy/systemd/zerocity.service"} <= \
        set(shipped)
    assert [p for p in shipped if p not in guide] == []


def test_every_variable_the_settings_read_is_documented():
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + \
        (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    names = set(re.findall(r"ZEROCITY_[A-Z_]*[A-Z]", (SRC / "zerocity" / "settings.py").read_text()))

    def documented(name: str) -> bool:  # also as "`ZEROCITY_X`, `_URL`"
        stem, last = name.rsplit("_", 1)
        return name in docs or (stem in docs and f"`_{last}`" in docs)

    assert sorted(n for n in names if not documented(n)) == []


def test_the_server_loads_every_view_then_keeps_what_it_loaded_out_of_the_collectors_walk():
    """``zerocity serve`` settles before its first request: the URLconf's views imported and
    everything loaded frozen (``gc.freeze``), so that a full collection under load no longer
    walks the code and libraries and stalls every request in flight."""
    import gc

    from zerocity.server import settle

    gc.unfreeze()
    try:
        settle()
        assert "zerocity.web.planner_views" in sys.modules
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
