"""Error documents in the shape of AWS's Python runtime: `{errorMessage, errorType, requestId,
stackTrace}`, errorType being the exception's class name or one of the `Runtime.*` faults.

https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html
"""

import os

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


class FaultException(Exception):
    """A failure the runtime names itself (import, handler lookup, (un)marshalling)."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def from_fault(fault, invoke_id=None):
    return make_error(fault.msg, fault.exception_type, fault.trace, invoke_id)


def from_exception(exc_info, invoke_id=None):
    """The document for an exception the function raised, without the runtime's own frames."""
    import traceback

    etype, value, tb = exc_info
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not frame.filename.startswith(_RUNTIME_DIR):
            frames = frames[i:]
            break
    return make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)
