"""Setting up a real deployment: partnerships, production defaults, proxies, big ids."""

import pytest
import sqlalchemy as sa

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
