"""Handlers for tests/clients/test_python_client.py, loaded as nested/deep/handlers.<name>
(a module path two directories down, without __init__.py files, as Lambda allows)."""
import collections
import datetime
import decimal
import logging
import os
import sys

_invocations = 0


def echo(event, context):
    return event


def returns_none(event, context):
    return None


def counter(event, context):
    global _invocations
    _invocations += 1
    return {"count": _invocations, "pid": os.getpid()}


def decimals(event, context):
    return {"price": decimal.Decimal("19.90"), "big": decimal.Decimal("1E+2"),
            "nan": decimal.Decimal("NaN"), "list": [decimal.Decimal("-0.5")]}


def unserialisable(event, context):
    return {"when": datetime.datetime(2020, 1, 1)}


def raw_bytes(event, context):
    return b"\x00raw bytes\xff"


Point = collections.namedtuple("Point", "x y")


def simplejson_types(event, context):
    return {"point": Point(1, 2), "bytes": b"text", "tuple": (1, 2), "nan": float("nan"),
            "unicode": "caf\u00e9 \u2603"}


def event_type(event, context):
    return type(event).__name__


class PaymentDeclined(Exception):
    pass


def _charge(card):
    raise PaymentDeclined("card {} declined".format(card))


def raises(event, context):
    _charge(event.get("card"))


def raises_empty(event, context):
    raise ValueError()


def exits(event, context):
    sys.exit(3)


def context_fields(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "tenant_id": context.tenant_id,
        "identity": [context.identity.cognito_identity_id,
                     context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom, "env": cc.env,
            "client": None if cc.client is None else [
                cc.client.installation_id, cc.client.app_title, cc.client.app_version_name,
                cc.client.app_version_code, cc.client.app_package_name]},
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "repr": repr(context),
    }


def logs(event, context):
    print("plain print line")
    root = logging.getLogger()
    root.debug("debug record")
    root.info("info record %s", 1)
    root.warning("warning record")
    logging.getLogger("app.orders").error("error record", extra={"order": 7})
    try:
        {}["missing"]
    except KeyError:
        root.exception("caught")
    sys.stderr.write("stderr line\n")
    return "ok"


def environment(event, context):
    return {name: os.environ.get(name) for name in event}


def interpreter(event, context):
    return {"sys_path": sys.path[:4], "executable": sys.executable,
            "stdout_flushes": type(sys.stdout).__name__, "cwd": os.getcwd()}


def uses_boto3(event, context):
    import boto3
    session = boto3.session.Session(region_name="us-east-1")
    return {"file": boto3.__file__, "version": boto3.__version__,
            "client": type(session.client("sqs", aws_access_key_id="x",
                                          aws_secret_access_key="y")).__name__}


def empty(event, context):
    return None


not_callable = None  # found at init; fails at invoke, as in Lambda
