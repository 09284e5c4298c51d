import uuid


def handler(event, context):
    return {"shadowed": getattr(uuid, "SHADOWED", False), "file": uuid.__file__}
