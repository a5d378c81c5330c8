"""Logging setup: lines go to the configured file, carry the request id of the
current request context, and --debug is honoured."""

import logging

from sovra_common import conf as sovra_conf
from sovra_common import context as sovra_context
from sovra_common import log


def test_log_lines_carry_the_request_id(tmp_path):
    log_file = tmp_path / "svc.log"
    conf = sovra_conf.load(sovra_conf.new_conf(), "sovra-test",
                           args=["--log-file", str(log_file), "--debug"], config_files=[])
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        log.setup(conf, "sovra-test")
        ctxt = sovra_context.RequestContext(user_id="u1", project_id="p1",
                                            request_id="req-0f8e4d2a-1b3c-4d5e-8f90-a1b2c3d4e5f6")
        logger = logging.getLogger("sovra_common.tests")
        logger.debug("debug line")
        logger.info("request line", extra={"context": ctxt})
        for handler in root.handlers:
            handler.flush()
        text = log_file.read_text()
        assert "debug line" in text
        line = next(li for li in text.splitlines() if "request line" in li)
        assert "req-0f8e4d2a-1b3c-4d5e-8f90-a1b2c3d4e5f6" in line and "u1" in line
    finally:
        for handler in root.handlers[:]:
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(saved[1])
