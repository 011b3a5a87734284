"""tg.save / tg.load: safetensors files, exchanged with the safetensors package and PyTorch.

A tensor, a Module, an Optimizer or a flat dict of tensors is stored as plain safetensors. Any
other checkpoint (PyTorch's {"epoch": 3, "model": model.state_dict(), "optimizer":
optimizer.state_dict(), "loss": 0.25}) is stored the same way, its tensors under dotted keys,
with the structure around them (dicts, lists, tuples, numbers, strings, None) as JSON in the
file's metadata; tg.load rebuilds it. A lone tensor comes back as a tensor. ``f`` is a path (a
string or an os.PathLike) or a binary file object (open(..., "wb"), io.BytesIO)."""
import json as _json
import numbers as _numbers
import os as _os

from . import _C

_STRUCTURE = "tapegrad.structure"


def _is_flat(obj):
    return isinstance(obj, dict) and all(isinstance(k, str) and isinstance(v, _C.Tensor) for k, v in obj.items())


def _flatten(obj, key, tensors):
    """A JSON skeleton of obj; its tensors go to `tensors` under dotted keys."""
    if isinstance(obj, _C.Tensor):
        name, n = key, 1
        while name in tensors:  # {"a.b": x} next to {"a": {"b": y}}
            name, n = f"{key}#{n}", n + 1
        tensors[name] = obj
        return {"tensor": name}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be strings or integers, got {type(k).__name__} at '{key}'")
            items.append([k, _flatten(v, f"{key}.{k}" if key else str(k), tensors)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {kind: [_flatten(v, f"{key}.{i}" if key else str(i), tensors) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, str)):
        return {"value": obj}
    if isinstance(obj, _numbers.Integral):
        return {"value": int(obj)}
    if isinstance(obj, _numbers.Real):
        return {"value": float(obj)}
    hint = " (save its state_dict())" if isinstance(obj, (_C.nn.Module, _C.optim.Optimizer)) else ""
    where = f" at '{key}'" if key else ""
    raise TypeError(f"save: cannot store {type(obj).__name__}{where}{hint}; checkpoints hold tensors, "
                    "dicts, lists, tuples, numbers, strings and None")


def _rebuild(skeleton, tensors):
    (kind, body), = skeleton.items()
    if kind == "tensor":
        return tensors[body]
    if kind == "dict":
        return {k: _rebuild(v, tensors) for k, v in body}
    if kind in ("list", "tuple"):
        items = [_rebuild(v, tensors) for v in body]
        return tuple(items) if kind == "tuple" else items
    return body


def _write(obj, f, metadata):
    if hasattr(f, "write"):
        f.write(_C._save_to_bytes(obj, metadata))
    else:
        _C.save(obj, _os.fspath(f), metadata)


def save(obj, f, metadata=None, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Writes a tensor, a Module, an Optimizer, a dict of tensors (a state_dict) or a checkpoint
    of them (nested dicts, lists and tuples, with numbers and strings) to ``f``, a path or a
    binary file object. torch.save's pickle and zip keywords are accepted and have nothing to
    choose here: the file is safetensors."""
    if metadata is not None and _STRUCTURE in metadata:
        raise ValueError(f"save: the metadata key '{_STRUCTURE}' is tapegrad's own")
    if isinstance(obj, (_C.nn.Module, _C.optim.Optimizer)) or _is_flat(obj):
        _write(obj, f, metadata)
        return
    tensors = {}
    meta = dict(metadata or {})
    if isinstance(obj, _C.Tensor):  # under the name C++'s tg::save and tg::load_tensor use
        tensors["tensor"] = obj
        skeleton = {"tensor": "tensor"}
    else:
        skeleton = _flatten(obj, "", tensors)
    meta[_STRUCTURE] = _json.dumps(skeleton, separators=(",", ":"))
    _write(tensors, f, meta)


def _moved(tensor, map_location):
    """map_location as torch.load takes it: a device (or its name), a dict from the saved device's
    name to another, or a function (storage, location) -> storage, here given the tensor."""
    location = str(tensor.device)
    if callable(map_location) and not isinstance(map_location, (str, _C.device)):
        moved = map_location(tensor, location)
        return tensor if moved is None else moved
    if isinstance(map_location, dict):
        return tensor.to(map_location.get(location, location))
    return tensor.to(map_location)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Reads what ``save`` wrote, from a path or a binary file object: a tensor, a dict of
    tensors (a state_dict), or the checkpoint it held. ``map_location`` (a device, a dict of device
    names or a function, as torch.load's) moves the tensors. ``weights_only``, ``mmap`` and the
    pickle keywords are accepted for PyTorch's sake: files hold only tensors and plain values, and
    are read whole."""
    if hasattr(f, "read"):
        tensors, meta = _C._load_bytes_with_metadata(f.read())
    else:
        tensors, meta = _C._load_with_metadata(_os.fspath(f))
    if map_location is not None:
        tensors = {k: _moved(v, map_location) for k, v in tensors.items()}
    if _STRUCTURE in meta:
        return _rebuild(_json.loads(meta[_STRUCTURE]), tensors)
    return tensors


def load_tensor(f):
    """The one tensor of a file that ``save`` wrote from a tensor."""
    if hasattr(f, "read"):
        tensors = _C._load_bytes_with_metadata(f.read())[0]
        if "tensor" not in tensors:
            raise ValueError("load_tensor: the file holds no tensor named 'tensor'")
        return tensors["tensor"]
    return _C.load_tensor(_os.fspath(f))


def load_metadata(f):
    """The string metadata of a safetensors file (tapegrad's own key included)."""
    if hasattr(f, "read"):
        return _C._load_bytes_with_metadata(f.read())[1]
    return _C.load_metadata(_os.fspath(f))


save_to_bytes = _C.save_to_bytes
load_from_bytes = _C.load_from_bytes
