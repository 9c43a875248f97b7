"""The Flask application factory: configuration, extensions, security headers.

`create_app` takes a database URL and an instance directory (the deployment
secret) like every `evote` command; tests pass a clock. The session cookie is
signed with a key derived from the deployment secret, is HTTP-only, SameSite=Lax
and Secure unless the app is told it runs on plain http (development, `evote
demo` on localhost).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from ballots.appender import BatchAppender
from evoting import db
from evoting.deployment import DeploymentKeys, instance_dir
from evoting.elections import check_deployment_secret
from web import (
    accounts,
    accounts_mail,
    api,
    casting,
    errors,
    health,
    i18n,
    officials,
    platform,
    platform_exports,
    platform_officials,
    platform_officials_followup,
    platform_officials_moderation,
    platform_officials_vote,
    platform_screening,
    public,
    resident,
    tallying,
)
from web.extensions import Services, babel, csrf, limiter
from web.official_sessions import make_store

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _error_pages(app: Flask) -> None:
    """HTML for pages, JSON for the API; never a traceback or an internal detail."""
    from flask import jsonify, render_template, request
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    def page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            return jsonify(error=str(status), message=message), status
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):  # type: ignore[no-untyped-def]
        return page(400, _("The form expired"), _("Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        if status == 404:
            return page(404, _("Not found"), _("There is no such page."))
        if status == 403:
            return page(403, _("Not allowed"), _("Your role does not allow this."))
        if status == 429:
            return page(429, _("Too many requests"), _("Wait a minute and try again."))
        if status == 413:
            return page(413, _("Too large"), _("What was sent is too large."))
        return page(status, _("Something went wrong"), _("The request could not be handled."))


def create_app(
    database_url: str | None = None,
    instance: Path | None = None,
    *,
    clock: Callable[[], datetime.datetime] | None = None,
    secure_cookies: bool = True,
    proxies: int = 0,
    config: Mapping[str, Any] | None = None,
) -> Flask:
    """The web application over one deployment (database and secret).

    ``proxies``: how many trusted reverse proxies stand in front (their
    X-Forwarded-For gives the client address that rate limits and lock-outs use).
    """
    settings = dict(config or {})
    engine = db.make_engine(database_url, pool_size=settings.get("DATABASE_POOL_SIZE"),
                            lock_timeout_s=settings.get("DATABASE_LOCK_TIMEOUT", 10.0))  # fmt: skip
    if db.current_revision(engine) != db.head_revision():
        if engine.dialect.name != "sqlite":
            raise db.DatabaseError("the database schema is not current: run `evote db upgrade`")
        db.upgrade(engine)
    keys = DeploymentKeys.load(instance)
    with db.session_factory(engine)() as session, session.begin():
        check_deployment_secret(session, keys)

    app = Flask(__name__)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=keys.key("web-session"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="__Host-session" if secure_cookies else "session",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(minutes=30),
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=3600,
        # Flask-WTF's strict mode wants a same-site Referer on every HTTPS form, which
        # Referrer-Policy: no-referrer (below) tells browsers not to send: every form
        # would fail behind TLS. The token is tied to the session, whose cookie is
        # SameSite=Lax and __Host- prefixed (HTTPS only, no subdomain can set it), which
        # is what the Referer check guards against on plain HTTP.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE="Europe/Brussels",
        RATELIMIT_HEADERS_ENABLED=True,
        SMTP_URL=None,  # residents' account mail (web/accounts_mail.py); None: no e-mail
        PUBLIC_URL=None,  # the origin mailed links point to (web/accounts_mail.py)
        MAIL_FROM=None,
        # Shared by every worker process when set (rate limits, officials' sessions):
        # `evote serve --workers N --redis-url URL`. Unset: one process, in memory.
        REDIS_URL=None,
        DATABASE_POOL_SIZE=None,  # PostgreSQL connections per process (evoting/db.py)
        PROOF_CHECKS=2,  # proof checks at once in this process; more wait (web/casting.py)
        PROOF_WAIT_S=5.0,  # how long a cast waits for a turn before its 503
    )
    app.config.update(settings)
    redis_url = app.config["REDIS_URL"]
    app.config.update(
        RATELIMIT_STORAGE_URI=redis_url or "memory://",
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 1, "socket_connect_timeout": 1}
        if redis_url
        else {},
        # Redis down: each process counts on its own meanwhile, rather than a 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=bool(redis_url),
    )
    accounts_mail.configure(app)  # a bad SMTP_URL or MAIL_FROM stops the start, not a request
    # Absolute: Flask's send_file reads a relative path from the package's directory,
    # not the one `evote serve` was started in (the default ./instance is relative).
    where = instance_dir(instance).resolve()
    app.extensions["evoting"] = Services(
        engine, keys, clock or _utc_now, where, sessions=make_store(redis_url),
        appender=BatchAppender(db.session_factory(engine)),
    )  # fmt: skip
    casting.install(app, db.session_factory(engine), keys)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.register(app)
    errors.register(app)

    app.register_blueprint(public.blueprint)
    app.register_blueprint(resident.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(officials.blueprint)
    app.register_blueprint(tallying.blueprint)
    app.register_blueprint(accounts.blueprint)
    app.register_blueprint(platform.blueprint)  # the participation platform, /participate
    for officials_side in (
        platform_officials,
        platform_officials_moderation,
        platform_screening,
        platform_officials_vote,
        platform_officials_followup,
        platform_exports,
    ):
        app.register_blueprint(officials_side.blueprint)  # /officials/processes
    csrf.exempt(api.blueprint)  # no cookie authenticates it: see web/api.py

    _error_pages(app)
    health.register(app)  # /healthz, /metrics; a 503, not a 500, when the database is away

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if secure_cookies:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
