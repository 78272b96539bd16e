"""gunicorn's settings for every Ungehub web server: `gunicorn -c python:hub.gunicorn_conf …`.

Only the logs and the metrics' shared folder are set here; workers, threads and the address stay
on the command line (deploy/Procfile, deploy/ungehub-web.service).

Logs: invitation and reset links, the calendar feed and ticket scans carry their key in the path,
and searches, drafts and voucher codes travel in the query, so the access log writes paths through
`hub.logs.redact_path` and never the referer (the previous page's address, with its tokens). Every
line passes `hub.logs.FILTER`. With HUB_LOG_FORMAT=json (the production default, hub/config.py)
gunicorn's own lines, the access log and the app's lines are one JSON object each; the access line
has `method`, `path` (redacted), `query` (its keys only), `status`, `bytes`, `duration_s` and the
request's `request_id`, `route` and `user` hash (hub/logs.py), but no address or user agent.

Metrics: each worker counts its requests into files in PROMETHEUS_MULTIPROC_DIR, and /metrics
adds up every worker's files (prometheus_client's multiprocess mode, hub/core/metrics.py). Set it
to a folder of this server's own (systemd: RuntimeDirectory); it is emptied when gunicorn starts.
Unset, a temporary folder is made and removed when gunicorn stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Before anything imports prometheus_client: it reads the folder once, at import.
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
_made_folder = MULTIPROC not in os.environ
if _made_folder:
    os.environ[MULTIPROC] = tempfile.mkdtemp(prefix="ungehub-metrics-")

from gunicorn.glogging import Logger  # noqa: E402 (after the folder is set)

from hub import config as hub_settings  # noqa: E402 ("config" is a gunicorn setting)
from hub import logs  # noqa: E402

LOG_FORMAT = hub_settings.log_format(hub_settings.Environment())  # a bad value is told by the app as it starts

accesslog = "-"
# Address, time, request line (redacted), status, bytes, milliseconds, user agent, request id: no referer.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
logger_class = "hub.gunicorn_conf.PrivateLogger"

# The header and environment atoms a custom access_log_format may still name; all others
# (Referer, Cookie, Authorization, Location, the raw query in the environment) log as "-".
SAFE_ATOMS = frozenset(
    {"{host}i", "{user-agent}i", "{x-forwarded-for}i", "{x-request-id}i", "{x-request-id}o", "{content-type}o"}
)


def on_starting(server) -> None:
    """Counts left by an earlier run of this server would be added to this one's."""
    folder = Path(os.environ[MULTIPROC])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_folder:
        shutil.rmtree(os.environ[MULTIPROC], ignore_errors=True)


class PrivateLogger(Logger):
    """gunicorn's logger with the request's secrets taken out of every access-log atom, writing
    JSON lines when HUB_LOG_FORMAT says so, and the app's own records beside its lines."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if LOG_FORMAT == "json":
            for handler in [*self.error_log.handlers, *self.access_log.handlers]:
                handler.setFormatter(logs.formatter("json"))
        for handler in self.error_log.handlers:
            handler.addFilter(logs.CONTEXT)
        logs.configure(LOG_FORMAT)  # the root logger: the app's records, in the workers too
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

    def access(self, resp, req, environ, request_time) -> None:
        if LOG_FORMAT != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        try:
            message, fields = access_line(resp, environ, request_time)
            self.access_log.info(message, extra=fields)
        except Exception:  # a log line must never cost a request
            self.error_log.exception("could not write the access log line")


def access_line(resp, environ: dict, request_time) -> tuple[str, dict]:
    """One JSON access-log record: a short message and its fields."""
    method = environ.get("REQUEST_METHOD", "-")
    path, _, _ = logs.redact_path(environ.get("RAW_URI") or environ.get("PATH_INFO", "")).partition("?")
    status = resp.status_code
    fields = {
        "method": method,
        "path": path,
        "query": logs.query_keys(environ.get("QUERY_STRING", "")) or None,
        "status": status,
        "bytes": getattr(resp, "sent", None),
        "duration_s": round(request_time.total_seconds(), 6),
        "request_id": environ.get(logs.REQUEST_ID),
        "route": environ.get(logs.ROUTE),
        "user": environ.get(logs.USER),
    }
    return f"{method} {path} {status}", {key: value for key, value in fields.items() if value is not None}
