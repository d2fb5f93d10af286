"""The invocation loop: wait for /next, call the handler with the event and a context, post
its result or its error, again. An exception the handler raises is its error; anything that
ends the process (sys.exit, os._exit, a crash) ends the environment, as on Lambda.
"""

import json
import os
import re
import sys

from . import logs
from .context import LambdaContext
from .faults import FaultException, from_exception, from_fault
from .loader import get_handler

# AWS's python3.12+ runtimes send non-ASCII characters as they are; older ones escape them.
# Read by run(), not at import: a runtime booted ahead imports this before it has its function's variables.
_ENSURE_ASCII = False


_XRAY_ROOT = re.compile(r"(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)")
_XRAY_PARENT = re.compile(r"(?:^|;)\s*Parent=([0-9a-fA-F]{16})\s*(?:;|$)")
_SAMPLED = re.compile(r"(?:^|;)\s*Sampled=1\s*(?:;|$)")


def traceparent_of(xray):
    """The W3C traceparent of an X-Ray header, for OpenTelemetry SDKs, which read it from the
    TRACEPARENT variable (the spec's environment carrier)."""
    root = _XRAY_ROOT.search(xray)
    parent = _XRAY_PARENT.search(xray)
    if root is None or parent is None:
        return None
    flags = "01" if _SAMPLED.search(xray) else "00"
    return "00-%s%s-%s-%s" % (root.group(1).lower(), root.group(2).lower(), parent.group(1).lower(), flags)


def _default(obj):
    # boto3 hands out Decimal for DynamoDB numbers; AWS's encoder writes them as numbers.
    if obj.__class__.__name__ == "Decimal":
        if obj.is_nan():
            return float("nan")
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError("Object of type %s is not JSON serializable" % obj.__class__.__name__)


def to_json(obj):
    return json.dumps(obj, ensure_ascii=_ENSURE_ASCII, default=_default)


def run(client, handler_name):
    """Initialises (imports the handler) and serves invocations until the process ends."""
    global _ENSURE_ASCII
    _ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV", "") in ("AWS_Lambda_python3.9", "AWS_Lambda_python3.10", "AWS_Lambda_python3.11")
    logs.setup()
    try:
        request_handler = get_handler(handler_name)
    except FaultException as e:
        error = from_fault(e)
        _fail_init(client, error)
    except Exception:
        error = from_exception(sys.exc_info())
        _fail_init(client, error)

    while True:
        headers, body = client.next()
        invoke_id = headers.get("lambda-runtime-aws-request-id")
        logs.set_request_id(invoke_id)
        trace = headers.get("lambda-runtime-trace-id")
        if trace is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        traceparent = traceparent_of(trace) if trace is not None else None
        if traceparent is not None:
            os.environ["TRACEPARENT"] = traceparent
        else:
            os.environ.pop("TRACEPARENT", None)
        _handle(client, request_handler, invoke_id, headers, body)


def _fail_init(client, error):
    logs.log_error(error)
    logs.flush()
    # Posted while the exception is still being handled, so that tools hooking the post see it.
    client.post_init_error(to_json(error), error["errorType"])
    sys.exit(1)


def _handle(client, request_handler, invoke_id, headers, body):
    error = None
    try:
        context = LambdaContext(
            invoke_id,
            _parse_header(headers.get("lambda-runtime-client-context"), "Client Context"),
            _parse_header(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms", "0")),
            headers.get("lambda-runtime-invoked-function-arn"),
        )
        event = _unmarshal(body, headers.get("content-type", "application/json"))
        response = request_handler(event, context)
        result, content_type = _marshal(response)
    except FaultException as e:
        error = from_fault(e, invoke_id)
    except Exception:
        error = from_exception(sys.exc_info(), invoke_id)

    if error is not None:
        logs.log_error(error)
        logs.flush()
        client.post_error(invoke_id, to_json(error), error["errorType"])
    else:
        logs.flush()
        client.post_response(invoke_id, result, content_type)


def _parse_header(text, name):
    if not text:
        return None
    try:
        return json.loads(text)
    except Exception as e:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None)


def _unmarshal(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


def _marshal(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)
