"""The unified ``sovra`` command line: the application core.

Built on cliff. Each service contributes its commands from ``sovra_<svc>/cli/``
through the ``sovra.cli`` entry point group (``project_list =
sovra_identity.cli.project:ListProject``); this package holds what they share: the
app (``app``), auth options and sessions (``auth``), the token cache
(``token_cache``), output helpers (``output``), the error line (``errors``), progress
and wait helpers (``progress``) and the command base classes (``command``).

Modules here import nothing heavy at import time: ``sovra --help`` must stay fast.
"""
