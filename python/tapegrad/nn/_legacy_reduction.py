"""size_average and reduce: the keywords torch's losses had before reduction (PyTorch 0.4), still
in its signatures and in older scripts (the VAE example's ``binary_cross_entropy(recon, x,
size_average=False)``). The losses of tg.nn.functional and tg.nn take them, by keyword or at
torch's positions, and turn them into reduction with torch's warning."""
import functools
import warnings

# torch's positional parameters of the losses that have them (after self, for the classes).
FUNCTIONS = {
    "binary_cross_entropy": ("input", "target", "weight", "size_average", "reduce", "reduction"),
    "binary_cross_entropy_with_logits": ("input", "target", "weight", "size_average", "reduce", "reduction",
                                         "pos_weight"),
    "cosine_embedding_loss": ("input1", "input2", "target", "margin", "size_average", "reduce", "reduction"),
    "cross_entropy": ("input", "target", "weight", "size_average", "ignore_index", "reduce", "reduction",
                      "label_smoothing"),
    "hinge_embedding_loss": ("input", "target", "margin", "size_average", "reduce", "reduction"),
    "kl_div": ("input", "target", "size_average", "reduce", "reduction", "log_target"),
    "l1_loss": ("input", "target", "size_average", "reduce", "reduction", "weight"),
    "margin_ranking_loss": ("input1", "input2", "target", "margin", "size_average", "reduce", "reduction"),
    "mse_loss": ("input", "target", "size_average", "reduce", "reduction", "weight"),
    "multi_margin_loss": ("input", "target", "p", "margin", "weight", "size_average", "reduce", "reduction"),
    "multilabel_margin_loss": ("input", "target", "size_average", "reduce", "reduction"),
    "multilabel_soft_margin_loss": ("input", "target", "weight", "size_average", "reduce", "reduction"),
    "nll_loss": ("input", "target", "weight", "size_average", "ignore_index", "reduce", "reduction"),
    "poisson_nll_loss": ("input", "target", "log_input", "full", "size_average", "eps", "reduce", "reduction"),
    "smooth_l1_loss": ("input", "target", "size_average", "reduce", "reduction", "beta"),
    "soft_margin_loss": ("input", "target", "size_average", "reduce", "reduction"),
    "triplet_margin_loss": ("anchor", "positive", "negative", "margin", "p", "eps", "swap", "size_average", "reduce",
                            "reduction"),
}
CLASSES = {
    "BCELoss": ("weight", "size_average", "reduce", "reduction"),
    "BCEWithLogitsLoss": ("weight", "size_average", "reduce", "reduction", "pos_weight"),
    "CosineEmbeddingLoss": ("margin", "size_average", "reduce", "reduction"),
    "CrossEntropyLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
    "HingeEmbeddingLoss": ("margin", "size_average", "reduce", "reduction"),
    "KLDivLoss": ("size_average", "reduce", "reduction", "log_target"),
    "L1Loss": ("size_average", "reduce", "reduction"),
    "MSELoss": ("size_average", "reduce", "reduction"),
    "MarginRankingLoss": ("margin", "size_average", "reduce", "reduction"),
    "MultiLabelMarginLoss": ("size_average", "reduce", "reduction"),
    "MultiLabelSoftMarginLoss": ("weight", "size_average", "reduce", "reduction"),
    "MultiMarginLoss": ("p", "margin", "weight", "size_average", "reduce", "reduction"),
    "NLLLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction"),
    "PoissonNLLLoss": ("log_input", "full", "size_average", "eps", "reduce", "reduction"),
    "SmoothL1Loss": ("size_average", "reduce", "reduction", "beta"),
    "SoftMarginLoss": ("size_average", "reduce", "reduction"),
    "TripletMarginLoss": ("margin", "p", "eps", "swap", "size_average", "reduce", "reduction"),
}


def _reduction(size_average, reduce):
    """torch's legacy_get_string: None counts as True; reduce=False wins, then size_average."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                  stacklevel=4)
    return result


def _keywords(owner, names, args, kwargs):
    if len(args) > len(names):
        raise TypeError(f"{owner}() takes at most {len(names)} positional arguments ({len(args)} given)")
    named = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in named:
            raise TypeError(f"{owner}() got multiple values for argument '{key}'")
        named[key] = value
    size_average, reduce = named.pop("size_average", None), named.pop("reduce", None)
    if size_average is not None or reduce is not None:
        named["reduction"] = _reduction(size_average, reduce)
    return named


def _legacy(args, kwargs, shared):
    # Up to the first legacy position, tapegrad's parameters are torch's: those calls go straight on.
    return len(args) > shared or "size_average" in kwargs or "reduce" in kwargs


def wrap_function(name, fn):
    names = FUNCTIONS[name]
    shared = names.index("size_average")

    @functools.wraps(fn)
    def loss(*args, **kwargs):
        if not _legacy(args, kwargs, shared):
            return fn(*args, **kwargs)
        return fn(**_keywords(name, names, args, kwargs))

    return loss


def _wrap_init(cls, name, names):
    original, shared = cls.__init__, names.index("size_average")

    # (*args, **kwargs) and the original's docstring: pybind11-stubgen and help() then read the
    # signatures from the docstring, as they did from the original.
    def __init__(*args, **kwargs):
        if not _legacy(args, kwargs, shared + 1):
            return original(*args, **kwargs)
        return original(args[0], **_keywords(name, names, args[1:], kwargs))

    __init__.__doc__ = original.__doc__
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__._tg_wraps, __init__._tg_keywords = original, {"size_average": None, "reduce": None}  # for _signatures
    cls.__init__ = __init__


def wrap_classes(namespace):
    for name, names in CLASSES.items():
        _wrap_init(namespace[name], name, names)
