"""gunicorn's settings for every Ungehub web server: `gunicorn -c python:hub.gunicorn_conf …`.

Only the logs are set here; workers, threads and the address stay on the command line
(deploy/Procfile, deploy/ungehub-web.service). Invitation and reset links, the calendar feed and
ticket scans carry their key in the path, and searches, drafts and voucher codes travel in the
query, so the access log writes paths through `hub.logs.redact_path` and never the referer (the
previous page's address, with its tokens). Both logs also pass `hub.logs.FILTER`.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from hub import logs

accesslog = "-"
# Address, time, request line (redacted), status, bytes, milliseconds, user agent: no referer.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logger_class = "hub.gunicorn_conf.PrivateLogger"

# The header and environment atoms a custom access_log_format may still name; all others
# (Referer, Cookie, Authorization, Location, the raw query in the environment) log as "-".
SAFE_ATOMS = frozenset({"{host}i", "{user-agent}i", "{x-forwarded-for}i", "{x-request-id}i", "{content-type}o"})


class PrivateLogger(Logger):
    """gunicorn's logger with the request's secrets taken out of every access-log atom."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        logs.install(self.error_log, self.access_log)

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = logs.redact_path(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
        atoms = {key: value for key, value in atoms.items() if not key.startswith("{") or key in SAFE_ATOMS}
        atoms.update(
            r=f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}",
            U=logs.redact_path(environ.get("PATH_INFO", "")),
            q=logs.query_keys(environ.get("QUERY_STRING", "")),
            u="-",  # a basic-auth user name could be an e-mail address
            f="-",
        )
        return atoms
