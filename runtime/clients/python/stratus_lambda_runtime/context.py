"""The handler's second argument, with awslambdaric's attributes, types and reprs.

Names, log group, memory and version come from the environment at each invoke; the rest from
the /next response's headers. memory_limit_in_mb is the environment's string, as in awslambdaric
(and as real functions print it: "128", not 128).
"""
import json
import os
import sys
import time

from . import faults


class LambdaContext:
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms,
                 invoked_function_arn=None, tenant_id=None):
        environ = os.environ
        self.aws_request_id = request_id
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)

        # Always an object, its fields None unless Cognito sent an identity.
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "LambdaContext(["
            "aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},"
            "client_context={},identity={},tenant_id={}])".format(
                self.aws_request_id, self.log_group_name, self.log_stream_name,
                self.function_name, self.memory_limit_in_mb, self.function_version,
                self.invoked_function_arn, self.client_context, self.identity, self.tenant_id))


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id={},cognito_identity_pool_id={}])".format(
            self.cognito_identity_id, self.cognito_identity_pool_id)


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name"]

    def __repr__(self):
        return ("Client([installation_id={},app_title={},app_version_name={},"
                "app_version_code={},app_package_name={}])".format(
                    self.installation_id, self.app_title, self.app_version_name,
                    self.app_version_code, self.app_package_name))


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom={},env={},client={}])".format(
            self.custom, self.env, self.client)


def _from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


def _parse_header(text, name):
    try:
        return json.loads(text)
    except Exception as e:
        raise faults.FaultError(faults.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
                                "Unable to parse {} JSON: {}".format(name, e))


def for_invocation(invocation):
    """The context of one invocation (raises FaultError if its JSON headers are malformed)."""
    client_context = None
    if invocation.client_context:
        client_context = _parse_header(invocation.client_context, "Client Context")
    cognito_identity = None
    if invocation.cognito_identity:
        cognito_identity = _parse_header(invocation.cognito_identity, "Cognito Identity")
    return LambdaContext(invocation.request_id, client_context, cognito_identity,
                         invocation.deadline_ms, invocation.invoked_function_arn,
                         invocation.tenant_id)
