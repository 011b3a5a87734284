"""Copies the public names of a binding submodule into a package namespace."""


def reexport(source, namespace, skip=()):
    names = []
    for name in dir(source):
        if name.startswith("_") or name in skip:
            continue
        value = getattr(source, name)
        if type(value).__name__ == "module":  # submodules of _C are mirrored by Python packages
            continue
        namespace[name] = value
        names.append(name)
    return names
