"""Events in, results out: JSON exactly as Lambda's Python runtime writes it.

awslambdaric encodes with simplejson (use_decimal=False, allow_nan=True, a default() that writes a
Decimal's own digits), whose output differs from the standard library's json in ways a function
can see: namedtuples (anything with _asdict()) become objects, bytes inside a value become
strings, a Decimal keeps its exact text ("1.10", "1E+2"). The standard library cannot write raw
number text, so this module walks the value itself with simplejson's rules, using the C string
escapers for speed. Separators are simplejson's defaults: ", " and ": ".
"""
import json
import math
import sys

from . import faults

_INFINITY = float("inf")
_FAST_CONTAINERS = (dict, list, tuple)
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE
_FRAMES_ABOVE_ENCODER = 7  # awslambdaric's: a response nests at most 993 levels at limit 1000


def _float_text(value):
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)  # a float subclass's own repr is not trusted, as in simplejson


def _as_dict(value):
    """simplejson's namedtuple_as_object: the result of a callable _asdict(), else None."""
    method = getattr(value, "_asdict", None)
    if not callable(method):
        return None
    try:
        result = method()
    except TypeError:
        return None
    if not isinstance(result, dict):
        raise TypeError("_asdict() must return a dict, not %s" % type(result).__name__)
    return result


def _default(value):
    """awslambdaric's Encoder.default: a Decimal is written as its own text, NaN as NaN."""
    decimal = sys.modules.get("decimal")  # no Decimal can exist before someone imports decimal
    if decimal is not None and isinstance(value, decimal.Decimal):
        if value.is_nan():
            return math.nan
        return _RawNumber(str(value))
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


class _RawNumber(str):
    """Number text to copy into the output unquoted (simplejson's RawJSON)."""


class _Encoder:
    def __init__(self, ensure_ascii):
        self._quote = (json.encoder.encode_basestring_ascii if ensure_ascii
                       else json.encoder.encode_basestring)
        self._markers = {}  # the containers being encoded, outermost first: also the depth
        self._max_depth = 0

    def encode(self, value):
        # simplejson's C encoder nests as deep as the recursion limit allows (less the few
        # frames above it); this one spends two Python frames a level, so it gets the room
        # for the duration and enforces the same depth itself.
        limit = sys.getrecursionlimit()
        self._max_depth = limit - _FRAMES_ABOVE_ENCODER
        sys.setrecursionlimit(2 * limit + 100)
        try:
            out = []
            self._value(value, out.append)
            return "".join(out)
        finally:
            sys.setrecursionlimit(limit)

    def _value(self, value, emit):
        if isinstance(value, str):
            emit(value if type(value) is _RawNumber else self._quote(value))
        elif isinstance(value, bytes):
            emit(self._quote(str(value, "utf-8")))
        elif value is None:
            emit("null")
        elif value is True:
            emit("true")
        elif value is False:
            emit("false")
        elif isinstance(value, int):
            emit(int.__repr__(int(value)))
        elif isinstance(value, float):
            emit(_float_text(value))
        else:
            # Exact dicts, lists and tuples have no _asdict: skip the lookup on the common path.
            as_dict = None if type(value) in _FAST_CONTAINERS else _as_dict(value)
            if as_dict is not None:
                self._object(as_dict, emit)
            elif isinstance(value, (list, tuple)):
                self._array(value, emit)
            elif isinstance(value, dict):
                self._object(value, emit)
            else:
                marker = self._enter(value)
                self._value(_default(value), emit)
                del self._markers[marker]

    def _enter(self, container):
        marker = id(container)
        if marker in self._markers:
            raise ValueError("Circular reference detected")
        if len(self._markers) >= self._max_depth:
            raise RecursionError("maximum recursion depth exceeded while encoding a JSON object")
        self._markers[marker] = container
        return marker

    def _array(self, items, emit):
        if not items:
            return emit("[]")
        marker = self._enter(items)
        emit("[")
        first = True
        for item in items:
            if not first:
                emit(", ")
            first = False
            self._value(item, emit)
        emit("]")
        del self._markers[marker]

    def _object(self, mapping, emit):
        if not mapping:
            return emit("{}")
        marker = self._enter(mapping)
        emit("{")
        first = True
        for key, item in mapping.items():
            if not first:
                emit(", ")
            first = False
            emit(self._quote(key if isinstance(key, str) else _key_text(key)))
            emit(": ")
            self._value(item, emit)
        emit("}")
        del self._markers[marker]


def _key_text(key):
    if isinstance(key, bytes):
        return str(key, "utf-8")
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(int(key))
    raise TypeError("keys must be str, int, float, bool or None, not %s" % _c_type_name(type(key)))


def _c_type_name(cls):
    # simplejson's C encoder names the type by tp_name: "decimal.Decimal" for a C type, the
    # bare name for a class defined in Python.
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return "{}.{}".format(cls.__module__, cls.__qualname__)


class Marshaller:
    """ensure_ascii follows awslambdaric: python3.12 and later write UTF-8, older ones \\u escapes."""

    _UTF8_RUNTIMES = {"AWS_Lambda_python3.12", "AWS_Lambda_python3.13",
                      "AWS_Lambda_python3.14", "AWS_Lambda_python3.15"}

    def __init__(self, execution_env):
        self.ensure_ascii = execution_env not in self._UTF8_RUNTIMES

    def to_json(self, value):
        return _Encoder(self.ensure_ascii).encode(value)

    def unmarshal_event(self, body, content_type):
        # Only a JSON event is decoded; anything else reaches the handler as the raw bytes.
        if content_type != "application/json":
            return body
        try:
            return json.loads(body.decode("utf-8"))
        except Exception as e:
            raise faults.FaultError(faults.UNMARSHAL_ERROR,
                                    "Unable to unmarshal input: {}".format(e))

    def marshal_result(self, result):
        """(body, content type) for the handler's return value: bytes as they are, else JSON
        text, which the caller encodes as UTF-8 outside its error handling, as awslambdaric
        does (a lone surrogate there is a runtime failure, not a function error)."""
        if isinstance(result, bytes):
            return result, "application/unknown"
        try:
            return self.to_json(result), "application/json"
        except Exception as e:
            raise faults.FaultError(faults.MARSHAL_ERROR, "Unable to marshal response: {}".format(e))
