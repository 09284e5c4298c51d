"""Fails while it is imported, with an exception of its own class."""


class ConfigMissing(Exception):
    pass


def _load():
    raise ConfigMissing("no config for stage")


_load()
