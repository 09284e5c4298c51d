#!/usr/bin/env python3
"""Generates triggers/lambda_shapes.cc: the body shapes of the Lambda operations Stratus serves,
from botocore's service model (installed with boto3), with --service sqs,
triggers/sqs/sqs_shapes.cc: the input shapes of the SQS operations, and with --service logs,
triggers/logs/logs_shapes.cc: those of the CloudWatch Logs operations. Run it after upgrading
botocore:

    python3 triggers/gen_lambda_shapes.py > triggers/lambda_shapes.cc
    python3 triggers/gen_lambda_shapes.py --service sqs > triggers/sqs/sqs_shapes.cc
    python3 triggers/gen_lambda_shapes.py --service logs > triggers/logs/logs_shapes.cc

SQS checks required members itself (its MissingParameter error names the query protocol's
member, "The request must contain the parameter X."), so its tables mark none required.

Two tables: each operation's JSON body (members bound to the body), and each served
operation's query-string and header parameters (a structure of its own, with the wire name and
location of each member), decoded by request_decoder.h before a handler runs. URI members are
the handlers' (function names and ARNs have Lambda's own errors). Where Lambda's real limits differ from the model's, OVERRIDES says so; where
a handler checks a constraint itself with Lambda's own error for it, UNCHECKED drops it here.
"""
import gzip
import json
import os
import sys

import botocore

# Operations whose input has a JSON body (Invoke's body is a payload blob, not a structure).
OPERATIONS = [
    "CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion",
    "CreateAlias", "UpdateAlias", "PutFunctionConcurrency", "PutProvisionedConcurrencyConfig",
    "TagResource", "PublishLayerVersion", "AddLayerVersionPermission",
    "PutFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig",
    "CreateEventSourceMapping", "UpdateEventSourceMapping",
    "CreateFunctionUrlConfig", "UpdateFunctionUrlConfig",
]

# Every operation the front door serves: their query-string and header members are decoded
# from PARAMETER tables (request_decoder.h decodeParameters).
SERVED = [
    "CreateFunction", "ListFunctions", "GetFunction", "DeleteFunction", "GetFunctionConfiguration",
    "UpdateFunctionConfiguration", "UpdateFunctionCode", "Invoke", "InvokeAsync", "PublishVersion",
    "ListVersionsByFunction", "CreateAlias", "ListAliases", "GetAlias", "UpdateAlias", "DeleteAlias",
    "PutFunctionConcurrency", "GetFunctionConcurrency", "DeleteFunctionConcurrency",
    "PutProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig",
    "DeleteProvisionedConcurrencyConfig", "ListProvisionedConcurrencyConfigs", "GetAccountSettings",
    "TagResource", "ListTags", "UntagResource",
    "PublishLayerVersion", "GetLayerVersion", "GetLayerVersionByArn", "ListLayers",
    "ListLayerVersions", "DeleteLayerVersion", "AddLayerVersionPermission",
    "GetLayerVersionPolicy", "RemoveLayerVersionPermission",
    # Asynchronous invocation (issue 11).
    "PutFunctionEventInvokeConfig", "GetFunctionEventInvokeConfig", "UpdateFunctionEventInvokeConfig",
    "DeleteFunctionEventInvokeConfig", "ListFunctionEventInvokeConfigs",
    # Event source mappings (issue 12).
    "CreateEventSourceMapping", "GetEventSourceMapping", "UpdateEventSourceMapping",
    "DeleteEventSourceMapping", "ListEventSourceMappings",
    # Function URLs and response streaming (issue 13).
    "CreateFunctionUrlConfig", "GetFunctionUrlConfig", "UpdateFunctionUrlConfig",
    "DeleteFunctionUrlConfig", "ListFunctionUrlConfigs", "InvokeWithResponseStream",
]

LOCATIONS = {"querystring": "ParamLocation::kQuery", "header": "ParamLocation::kHeader"}

# Lambda's limits for functions outside Managed Instances (LAMBDA.md §3): the model's maxima
# (Timeout none, MemorySize 32768) are the Managed Instances ones.
OVERRIDES = {
    "Timeout": {"max": 900},
    "MemorySize": {"max": 10240},
}

# Constraints a handler checks itself, because Lambda answers them with a different error:
# FunctionName (over 64 characters: InvalidParameterValueException; its pattern names the
# ARN forms) and Runtime (not in the enum: InvalidParameterValueException "... or be a valid
# ARN"). Emitted with checked_by_handler: the decoder checks only their types.
UNCHECKED = {"FunctionName", "Runtime"}

TYPES = {
    "string": "kString", "integer": "kInteger", "long": "kLong", "boolean": "kBoolean",
    "double": "kDouble", "float": "kDouble", "blob": "kBlob", "timestamp": "kTimestamp",
    "list": "kList", "map": "kMap", "structure": "kStructure",
}


# The SQS operations the embedded queue service serves (triggers/sqs/sqs_service.h).
SQS_OPERATIONS = [
    "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes",
    "SetQueueAttributes", "PurgeQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage",
    "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "TagQueue", "UntagQueue", "ListQueueTags", "ListDeadLetterSourceQueues",
    "StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask",
    "AddPermission", "RemovePermission",
]

# The CloudWatch Logs operations the log service serves (triggers/logs/logs_service.h). Their
# required members and enums are checked by the decoder (InvalidParameterException).
LOGS_OPERATIONS = [
    "CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups", "DescribeLogStreams",
    "CreateLogStream", "DeleteLogStream", "PutLogEvents", "GetLogEvents", "FilterLogEvents",
    "PutRetentionPolicy", "DeleteRetentionPolicy",
]


def load_model(service="lambda", version="2015-03-31"):
    base = os.path.join(os.path.dirname(botocore.__file__), "data", service, version)
    for name in ("service-2.json", "service-2.json.gz"):
        path = os.path.join(base, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt") as f:
                return json.load(f)
    raise SystemExit("no Lambda service model under " + base)


def cstr(s):
    return json.dumps(s)  # a JSON string literal is a valid C++ string literal for these


def main():
    service = sys.argv[sys.argv.index("--service") + 1] if "--service" in sys.argv else "lambda"
    sqs = service == "sqs"
    logs = service == "logs"
    global OPERATIONS, SERVED, OVERRIDES, UNCHECKED
    if sqs:
        OPERATIONS, SERVED, OVERRIDES, UNCHECKED = SQS_OPERATIONS, [], {}, set()
        model = load_model("sqs", "2012-11-05")
    elif logs:
        OPERATIONS, SERVED, OVERRIDES, UNCHECKED = LOGS_OPERATIONS, [], {}, set()
        model = load_model("logs", "2014-03-28")
    else:
        model = load_model()
    namespace = service + "_model"
    shapes = model["shapes"]
    order = []  # shape names, dependencies first
    seen = set()

    def visit(name, top=False):
        if name in seen:
            return
        seen.add(name)
        s = shapes[name]
        if s["type"] == "structure":
            for m in s.get("members", {}).values():
                if top and m.get("location"):
                    continue
                visit(m["shape"])
        elif s["type"] == "list":
            visit(s["member"]["shape"])
        elif s["type"] == "map":
            visit(s["key"]["shape"])
            visit(s["value"]["shape"])
        order.append(name)

    inputs = {}
    for op in OPERATIONS:
        inp = model["operations"][op]["input"]["shape"]
        inputs[op] = inp
        visit(inp, top=True)

    # (operation, [(member name, location, wire name, shape, required)]) for query and headers.
    parameters = []
    for op in SERVED:
        inp = model["operations"][op].get("input", {}).get("shape")
        bound = []
        if inp:
            s_in = shapes[inp]
            required = set(s_in.get("required", []))
            for mn, m in s_in.get("members", {}).items():
                if m.get("location") in LOCATIONS:
                    visit(m["shape"])
                    bound.append((mn, m["location"], m.get("locationName", mn), m["shape"], mn in required))
        parameters.append((op, bound))

    out = []
    w = out.append
    w("// Generated by triggers/gen_lambda_shapes.py%s from botocore %s's"
      % ("" if service == "lambda" else " --service " + service, botocore.__version__))
    w("// data/%s/service-2.json. Do not edit: run the script to refresh."
      % {"sqs": "sqs/2012-11-05", "logs": "logs/2014-03-28"}.get(service, "lambda/2015-03-31"))
    w({"sqs": '#include "triggers/sqs/sqs_shapes.h"', "logs": '#include "triggers/logs/logs_shapes.h"'}.get(
        service, '#include "triggers/request_shape.h"'))
    w("")
    w("namespace stratus::triggers {")
    w("")
    if service == "lambda":
        w('const char* const kShapesBotocoreVersion = "%s";' % botocore.__version__)
        w("")
    w("namespace %s {" % namespace)
    w("")
    for name in order:
        w("extern const Shape k%s;" % name)
    w("")
    top_inputs = set(inputs.values())
    for name in order:
        s = shapes[name]
        fields = [".name = %s" % cstr(name), ".type = ShapeType::%s" % TYPES[s["type"]]]
        cons = {k: s[k] for k in ("min", "max") if k in s}
        cons.update(OVERRIDES.get(name, {}))
        if "min" in cons:
            fields += [".has_min = true", ".min = %r" % float(cons["min"])]
        if "max" in cons:
            fields += [".has_max = true", ".max = %r" % float(cons["max"])]
        if "enum" in s and not sqs:  # SQS answers unknown names with errors of its own
            w("constexpr const char* kEnum%s[] = {%s};" % (name, ", ".join(cstr(e) for e in s["enum"])))
            fields.append(".enum_values = kEnum%s" % name)
        if "pattern" in s:
            fields.append(".pattern = %s" % cstr(s["pattern"]))
        if s.get("sensitive"):
            fields.append(".sensitive = true")
        if name in UNCHECKED:
            fields.append(".checked_by_handler = true")
        if s["type"] == "structure":
            required = set(s.get("required", []))
            members = [(mn, m) for mn, m in s.get("members", {}).items()
                       if not (name in top_inputs and m.get("location"))]
            if members:
                w("const ShapeMember kMembers%s[] = {" % name)
                for mn, m in members:
                    req = mn in required and not sqs
                    w("    {%s, &k%s, %s}," % (cstr(mn), m["shape"], "true" if req else "false"))
                w("};")
                fields.append(".members = kMembers%s" % name)
        elif s["type"] == "list":
            fields.append(".member = &k%s" % s["member"]["shape"])
        elif s["type"] == "map":
            fields.append(".key = &k%s" % s["key"]["shape"])
            fields.append(".value = &k%s" % s["value"]["shape"])
        note = ""
        if name in OVERRIDES:
            note = "  // Lambda's limit, not the model's (gen_lambda_shapes.py OVERRIDES)"
        elif name in UNCHECKED:
            note = "  // constraints checked by the handler (UNCHECKED)"
        w("const Shape k%s = {%s};%s" % (name, ", ".join(fields), note))
    w("")
    for op, bound in parameters:
        if bound:
            w("const ShapeMember kParamMembers%s[] = {" % op)
            for mn, _, _, shape, req in bound:
                w("    {%s, &k%s, %s}," % (cstr(mn), shape, "true" if req else "false"))
            w("};")
            w("const ParameterBinding kBindings%s[] = {" % op)
            for mn, loc, wire, _, _ in bound:
                w("    {%s, %s, %s}," % (cstr(mn), cstr(wire.lower() if loc == "header" else wire), LOCATIONS[loc]))
            w("};")
            w("const Shape kParams%s = {.name = %s, .type = ShapeType::kStructure, .members = kParamMembers%s};"
              % (op, cstr(op + "Parameters"), op))
            w("const OperationParameters kOperation%s = {&kParams%s, kBindings%s};" % (op, op, op))
        else:
            w("const Shape kParams%s = {.name = %s, .type = ShapeType::kStructure};" % (op, cstr(op + "Parameters")))
            w("const OperationParameters kOperation%s = {&kParams%s, {}};" % (op, op))
    w("")
    w("}  // namespace %s" % namespace)
    w("")
    if sqs or logs:
        w("const Shape* %sRequestShape(std::string_view operation) {" % service)
        for op in OPERATIONS:
            w('  if (operation == "%s") return &%s::k%s;' % (op, namespace, inputs[op]))
        w("  return nullptr;")
        w("}")
        w("")
        w("}  // namespace stratus::triggers")
        sys.stdout.write("\n".join(out) + "\n")
        return
    w("const OperationParameters* requestParameters(std::string_view operation) {")
    for op, _ in parameters:
        w('  if (operation == "%s") return &lambda_model::kOperation%s;' % (op, op))
    w("  return nullptr;")
    w("}")
    w("")
    w("const Shape* requestShape(std::string_view operation) {")
    for op in OPERATIONS:
        w('  if (operation == "%s") return &lambda_model::k%s;' % (op, inputs[op]))
    w("  return nullptr;")
    w("}")
    w("")
    w("}  // namespace stratus::triggers")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
