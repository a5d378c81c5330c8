"""The route table: one declaration per (path, method), one handler each.

A service writes::

    ROUTES = {
        "/v1/widgets": {"GET": widget.list_widgets, "POST": widget.create_widget},
        "/v1/widgets/<widget_id>": {"GET": widget.show_widget,
                                    "DELETE": widget.delete_widget},
    }

Handlers are ``verb_noun(req, **path_params)`` functions returning a Response (see
``json_response``). A method missing from a path's entry is a 405 with ``Allow``;
an unknown path a 404, both in the service's fault format.
"""

from __future__ import annotations

import json

import flask

HANDLER_RETURNED = "sovra_handler_returned"


def public(handler):
    """Mark a handler that needs no token and no policy check (version discovery)."""
    handler.sovra_public = True
    return handler


def is_public(handler) -> bool:
    return getattr(handler, "sovra_public", False)


def json_response(body, status: int = 200, headers: dict | None = None) -> flask.Response:
    """A JSON response; ``body=None`` gives an empty body (204s)."""
    data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    response = flask.Response(data, status=status, headers=headers)
    if body is not None:
        response.mimetype = "application/json"
    return response


def _view(handler):
    def view(**path_params):
        response = handler(flask.request, **path_params)
        flask.g.setdefault(HANDLER_RETURNED, True)
        return response
    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    view.sovra_handler = handler
    return view


def register(app: flask.Flask, table: dict) -> None:
    for path, methods in table.items():
        # An explicit HEAD handler goes first: Flask answers HEAD with the GET rule of
        # the same path otherwise (it adds HEAD to every GET rule).
        ordered = sorted(methods.items(), key=lambda item: item[0].upper() != "HEAD")
        for method, handler in ordered:
            method = method.upper()
            app.add_url_rule(path, endpoint=f"{method} {path}", view_func=_view(handler),
                             methods=[method], strict_slashes=False)


def handler_for(app: flask.Flask, environ) -> object | None:
    """The handler a WSGI environ would reach, or None (404/405)."""
    adapter = app.url_map.bind_to_environ(environ)
    try:
        endpoint, _ = adapter.match()
    except Exception:  # NotFound / MethodNotAllowed / RequestRedirect: not routable
        return None
    view = app.view_functions.get(endpoint)
    return getattr(view, "sovra_handler", None)


def path_is_public(app: flask.Flask, environ) -> bool:
    """For the auth middleware: may this request go through without a token?"""
    handler = handler_for(app, environ)
    return handler is not None and is_public(handler)
