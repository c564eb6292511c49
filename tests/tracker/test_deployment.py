"""Setting up a real deployment: partnerships, production defaults, proxies, big ids."""

import configparser
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from gunicorn.config import Config as GunicornConfig
from gunicorn.util import import_app as gunicorn_import_app

import config
from tracker import create_app
from tracker.extensions import db
from tracker.models import Partnership


def test_a_deployment_creates_its_partnerships_from_the_command_line(runner):
    result = runner.invoke(args=["partnerships", "create", "--code", "nsp", "--name",
                                 "Northshire Safeguarding Partnership"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Partnership.name).where(Partnership.code == "NSP")) == (
        "Northshire Safeguarding Partnership")
    again = runner.invoke(args=["partnerships", "create", "--code", "NSP", "--name", "Other"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    listed = runner.invoke(args=["partnerships", "list"])
    assert "NSP" in listed.output and "Northshire" in listed.output


def test_demo_data_is_refused_in_production(app, runner):
    app.config["DEMO_DATA_ALLOWED"] = False
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0


def test_without_tracker_env_the_app_is_production_and_refuses_a_weak_key(monkeypatch):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "development-only-secret-key")
    assert config.config_from_env() is config.ProductionConfig
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_hides_query_values_from_logs():
    assert config.ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS["hide_parameters"] is True


def test_behind_a_proxy_the_app_sees_the_users_address(app):
    proxied = create_app({"CONFIG_CLASS": "test", "PROXY_COUNT": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    seen = {}

    @proxied.route("/__address")
    def _address():
        from flask import request

        seen["address"] = request.remote_addr
        return "ok"

    from tracker import security

    security.PUBLIC_ENDPOINTS.add("_address")
    try:
        proxied.test_client().get("/__address", headers={"X-Forwarded-For": "203.0.113.9"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.1"})
    finally:
        security.PUBLIC_ENDPOINTS.discard("_address")
    assert seen["address"] == "203.0.113.9"


def test_an_id_too_big_for_the_database_is_not_found(admin_client):
    response = admin_client.get("/users/99999999999999999999999/edit")
    assert response.status_code == 404


def test_a_nul_character_in_any_path_segment_is_not_found(admin_client):
    assert admin_client.get("/partnerships/N%00SP").status_code == 404


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """The environment of a production server whose DATABASE_URL points at SQLite."""
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("ALLOW_SQLITE_IN_PRODUCTION", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.sqlite'}")


def test_production_refuses_to_start_on_sqlite(production_env):
    with pytest.raises(RuntimeError, match="ALLOW_SQLITE_IN_PRODUCTION=1"):
        create_app()


@pytest.mark.parametrize("value", ["0", "no", ""])
def test_production_on_sqlite_needs_the_setting_switched_on(production_env, monkeypatch,
                                                            value):
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", value)
    with pytest.raises(RuntimeError, match="SQLite"):
        create_app()


def test_a_single_process_install_on_sqlite_starts_when_it_says_so(production_env,
                                                                   monkeypatch):
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    assert create_app().config["DEMO_DATA_ALLOWED"] is False  # production, started


def test_production_on_postgresql_needs_no_setting(production_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker:secret@db.internal:5432/tracker")
    assert create_app().config["DEMO_DATA_ALLOWED"] is False


# --- The example systemd services (deploy/systemd/, README "Running it for real") ---------

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
REPOSITORY = DEPLOY.parents[1]
SERVICES = ("tracker-web.service", "tracker-scheduler.service")


def unit(name):
    """A unit file's sections as {section: {key: value}} (a repeated key: its last value)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(DEPLOY / name, encoding="utf-8")
    return {section: dict(parser[section]) for section in parser.sections()}


def in_repository(path, service):
    """A path of the installed service (under its WorkingDirectory) in this repository."""
    root = Path(service["WorkingDirectory"])
    return REPOSITORY / Path(path).relative_to(root)


def environment_example():
    """The example environment file's variables, the commented-out optional ones too."""
    names = {}
    for line in (DEPLOY / "tracker.env.example").read_text().splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            names[match[1]] = (match[2], line.startswith("#"))
    return names


def variables_config_reads():
    source = (REPOSITORY / "config.py").read_text()
    return set(re.findall(r"""(?:os\.environ\.get|_bool)\(\s*["']([A-Z0-9_]+)["']""", source))


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_stopped_as_a_whole_and_restarted_when_it_fails(name):
    service = unit(name)["Service"]
    # The whole control group (gunicorn's master and every worker, orphaned or not) is
    # killed when the service stops or its main process dies; then systemd starts it again.
    assert service["KillMode"] == "control-group"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/tracker/tracker.env"
    assert service["User"] not in ("", "root")
    assert service["WorkingDirectory"].startswith("/")
    assert service["NoNewPrivileges"] == "true" and service["PrivateTmp"] == "true"
    assert service["ProtectSystem"] == "strict" and service["UMask"] == "0077"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_a_command_the_install_provides(name):
    service = unit(name)["Service"]
    executable, *_ = shlex.split(service["ExecStart"])
    # The venv `make install` (or README's `python3 -m venv .venv`) makes.
    assert Path(executable).relative_to(service["WorkingDirectory"]).parts[:2] == (".venv",
                                                                                   "bin")
    assert os.access(in_repository(executable, service), os.X_OK), executable


def test_the_web_service_serves_the_wsgi_app_as_the_readme_says():
    service = unit("tracker-web.service")["Service"]
    executable, *args = shlex.split(service["ExecStart"])
    assert Path(executable).name == "gunicorn"
    options = GunicornConfig().parser().parse_args(args)  # gunicorn's own command line
    assert options.args == ["wsgi:app"]
    assert options.bind == ["127.0.0.1:8000"] and options.workers == 3
    assert options.timeout == 120
    readme = (REPOSITORY / "README.md").read_text()
    assert ".venv/bin/gunicorn " + " ".join(args) in readme


def test_the_wsgi_app_the_web_service_names_starts_with_the_example_environment(
        monkeypatch):
    for name, (value, commented) in environment_example().items():
        if not commented:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))  # the example leaves it empty
    module = sys.modules.pop("wsgi", None)
    try:
        wsgi_app = gunicorn_import_app("wsgi:app")  # as gunicorn loads it
    finally:
        sys.modules.pop("wsgi", None)
        if module is not None:
            sys.modules["wsgi"] = module
    assert isinstance(wsgi_app, Flask)
    assert wsgi_app.config["DEMO_DATA_ALLOWED"] is False  # production


def test_the_example_environment_alone_does_not_start_the_app(monkeypatch):
    """Its SECRET_KEY is empty: copied and not filled in, production refuses to start."""
    assert environment_example()["SECRET_KEY"] == ("", False)
    monkeypatch.setenv("SECRET_KEY", "")
    monkeypatch.setenv("TRACKER_ENV", environment_example()["TRACKER_ENV"][0])
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_the_scheduler_service_runs_the_scheduler_command(runner):
    service = unit("tracker-scheduler.service")["Service"]
    executable, *args = shlex.split(service["ExecStart"])
    assert Path(executable).name == "flask"
    assert args[:2] == ["--app", "wsgi"]
    command = args[2:]
    assert command == ["scheduler", "run"]
    result = runner.invoke(args=[*command, "--help"])  # the app's own CLI knows it
    assert result.exit_code == 0, result.output
    assert "Run the scheduler" in result.output


def test_every_variable_in_the_example_environment_is_one_the_app_reads():
    example = environment_example()
    read = variables_config_reads()
    assert read >= {"SECRET_KEY", "DATABASE_URL", "TRACKER_ENV", "MAIL_SERVER", "EXPORT_DIR"}
    assert set(example) - read == set()
    # The settings production needs are set, not left commented out.
    for name in ("TRACKER_ENV", "SECRET_KEY", "DATABASE_URL", "BASE_URL", "MAIL_SERVER",
                 "MAIL_DEFAULT_SENDER", "EXPORT_DIR"):
        assert not example[name][1], name
    assert example["TRACKER_ENV"][0] == "production"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_may_write_to_the_export_folder_the_example_names(name):
    service = unit(name)["Service"]
    export_dir = environment_example()["EXPORT_DIR"][0]
    writable = [path.lstrip("-") for path in service["ReadWritePaths"].split()]
    assert export_dir in writable
    assert f"{service['WorkingDirectory']}/instance" in writable


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_reads_every_setting_of_the_services(tmp_path):
    for name in SERVICES:
        text = (DEPLOY / name).read_text()
        # Where the repository is, so systemd finds the commands they run.
        root = unit(name)["Service"]["WorkingDirectory"]
        (tmp_path / name).write_text(text.replace(root, str(REPOSITORY)))
    command = [shutil.which("systemd-analyze"), "verify", *(str(tmp_path / n) for n in SERVICES)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,  # noqa: S603
                            check=False)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if str(tmp_path) in line]
    assert complaints == [] and result.returncode == 0, result.stdout + result.stderr


def test_the_readme_explains_the_services():
    readme = (REPOSITORY / "README.md").read_text()
    section = readme[readme.index("## Running it for real"):readme.index("## Tests")]
    for name in (*SERVICES, "tracker.env.example", "KillMode=control-group",
                 "systemctl enable --now tracker-web tracker-scheduler"):
        assert name in section, name
