"""Function output as Lambda captures it (awslambdaric `bootstrap.py`):

- `print()` writes plain lines to stdout; stdout and stderr are line-buffered and flushed
  before every result is posted, so a function's output precedes its END line.
- The root logger gets Lambda's handler: `[LEVEL]\\t<ISO time>Z\\t<request id>\\t<message>`
  (or one JSON object per record with AWS_LAMBDA_LOG_FORMAT=JSON). The root level stays
  WARNING unless AWS_LAMBDA_LOG_LEVEL says otherwise, as on Lambda.
- A record is one line: newlines inside it become `\\r`, so a line-based collector keeps a
  traceback in one event (Lambda's framed log protocol does the same for its collector).
- Errors are logged as `[ERROR] Type: message\\rTraceback (most recent call last):\\r...`.

https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
"""

import json
import os
import sys
import time

_state = {"request_id": None}
# Read by setup(), not at import: a runtime booted ahead imports this before it has its function's variables.
_JSON = False
_NBSP = "\u00a0"


def set_request_id(request_id):
    _state["request_id"] = request_id


def write_record(text):
    """Writes one log record as one line."""
    if text.endswith("\n"):
        text = text[:-1]
    sys.stdout.write(text.replace("\n", "\r") + "\n")


def setup():
    """Line-buffers stdout/stderr and gives the root logger Lambda's handler.

    `logging` costs ~15 ms to import (with `traceback`), and many functions never use it: the
    handler is installed the moment something imports `logging`, before that code goes on.
    """
    global _JSON
    _JSON = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    if "logging" in sys.modules:
        _install(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _InstallOnImport())


class _InstallOnImport(object):
    """A meta path finder that only wraps the loading of `logging` to run `_install` after it."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_install(module):
            exec_module(module)
            _install(module)

        # Each module gets its own loader instance: this shadows the method for `logging` only.
        spec.loader.exec_module = exec_and_install
        return spec


def _install(logging):
    class LambdaHandler(logging.Handler):
        def emit(self, record):
            try:
                write_record(self.format(record))
            except Exception:
                self.handleError(record)

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _state["request_id"] or ""
            return True

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            doc = {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs,
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": getattr(record, "aws_request_id", ""),
            }
            if record.exc_info:
                import traceback

                etype, value, tb = record.exc_info
                doc["errorType"] = etype.__name__ if etype else None
                doc["errorMessage"] = str(value)
                doc["stackTrace"] = traceback.format_tb(tb)
            return json.dumps(doc, default=str)

    logging.Formatter.converter = time.gmtime
    handler = LambdaHandler()
    if _JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
        )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def log_error(error):
    """Logs an error document as Lambda's runtime does when a handler fails."""
    if _JSON:
        doc = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "ERROR"}
        doc.update(error)
        write_record(json.dumps(doc))
        return
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                # Leading spaces become no-break spaces, as AWS writes them.
                lines.append(_NBSP * (len(line) - len(stripped)) + stripped)
    write_record("\r".join(lines))
