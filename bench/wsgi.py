"""What the benchmark's gunicorn serves: the hub, with one bare Flask route in front of it.

`/bench/bare` answers a few bytes from a Flask app of its own, with no database, login or
template: the fastest any Flask page can be on this gunicorn, and so the reference each hub
page's throughput is compared with. It lives here, not in the product, and the same worker
processes serve both, so the two are measured under the same conditions in the same run.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hub import create_app

BARE_PATH = "/bench/bare"

bare = Flask(__name__)


@bare.route("/bare")
def bare_route():
    return "ok"


application = DispatcherMiddleware(create_app(), {"/bench": bare})
