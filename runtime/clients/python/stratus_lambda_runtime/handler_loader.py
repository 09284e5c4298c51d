"""Finds the function's handler from its `path/to/module.function` name (LAMBDA.md §7b).

Failures raise faults.FaultError with Lambda's errorType and message; any other exception the
module raises while it is imported propagates, and is reported under its own class name.
"""
import importlib
import sys

from . import faults


def load_handler(handler_name):
    try:
        module_name, function_name = handler_name.rsplit(".", 1)
    except ValueError as e:
        raise faults.FaultError(faults.MALFORMED_HANDLER_NAME,
                                "Bad handler '{}': {}".format(handler_name, e))

    # Checked on the name as written, before "/" becomes ".", as Lambda does.
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise faults.FaultError(
            faults.BUILT_IN_MODULE_CONFLICT,
            "Cannot use built-in module {} as a handler module".format(module_name))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise faults.FaultError(faults.IMPORT_MODULE_ERROR,
                                "Unable to import module '{}': {}".format(module_name, e))
    except SyntaxError as e:
        # Lambda's own one-element trace, "Line" capitalised; e.text keeps its newline.
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise faults.FaultError(faults.USER_CODE_SYNTAX_ERROR,
                                "Syntax error in module '{}': {}".format(module_name, e), trace)

    try:
        return getattr(module, function_name)
    except AttributeError:
        raise faults.FaultError(
            faults.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(function_name, module_name))
