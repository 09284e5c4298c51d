"""Imports a module that does not exist."""
import not_a_real_module_xyz  # noqa: F401


def handler(event, context):
    return None
