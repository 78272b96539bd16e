"""Versioned static URLs: a content hash in the query, so browsers and the service worker
may cache them for good."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, has_request_context, request, url_for

# The files the service worker keeps for offline use.
SHELL_ASSETS = [
    "css/app.css",
    "js/app.js",
    "js/wallet.js",
    "js/drafts.js",  # the service worker imports it to send messages written offline
    "vendor/htmx-2.0.11.min.js",
    "icons/sprite.svg",
    "icons/icon-192.png",
]


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)
    # The files do not change while a process runs (outside debug), so each one's URL is built
    # once per process and path prefix: a page asks for dozens (every icon names the sprite).
    urls: dict[tuple[str, str], str] = {}

    def versioned(filename: str) -> str:
        path = static / filename
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"
        return url_for("static", filename=filename, v=digest)

    def asset(filename: str) -> str:
        if app.debug or not has_request_context():
            return versioned(filename)
        key = (request.script_root, filename)
        url = urls.get(key)
        if url is None:
            url = urls[key] = versioned(filename)
        return url

    app.jinja_env.globals["asset"] = asset
    app.jinja_env.globals["shell_assets"] = lambda: [asset(name) for name in SHELL_ASSETS]

    @app.after_request
    def cache_versioned_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
