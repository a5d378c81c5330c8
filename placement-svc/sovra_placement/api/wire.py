"""Response pieces every placement handler shares: links and cache headers."""

import datetime
import email.utils

import flask

from sovra_common import exception
from sovra_common.wsgi.routes import json_response


def link(rel, href):
    return {"rel": rel, "href": href}


def respond(req, body, status=200, *, last_modified=None, headers=None):
    """A JSON response (``body``: an object, or its JSON text as bytes); from 1.15
    a GET's answer says when it last changed and that it must not be cached."""
    if isinstance(body, bytes):
        response = flask.Response(body, status=status, headers=headers,
                                  mimetype="application/json")
    else:
        response = json_response(body, status=status, headers=headers)
    if req.method == "GET" and req.microversion.matches("1.15"):
        when = last_modified or datetime.datetime.now(datetime.UTC)
        response.headers["Last-Modified"] = email.utils.format_datetime(
            when.astimezone(datetime.UTC), usegmt=True)
        response.headers["Cache-Control"] = "no-cache"
    return response


def latest(*times):
    times = [t for t in times if t is not None]
    return max(times) if times else None


def require(req, version):
    """Routes added by a later microversion do not exist (404) before it."""
    if not req.microversion.matches(version):
        raise exception.NotFound("The resource could not be found.")
