"""tg.utils.data: datasets (subclass Dataset or IterableDataset in Python, or pass any sequence),
Subset, ConcatDataset, StackDataset, random_split, samplers (DistributedSampler for one replica's
share), FashionMNIST, default_collate,
default_convert and DataLoader
(batches made on worker threads, in a deterministic order for a given seed)."""
import bisect as _bisect
import concurrent.futures as _futures
import functools
import itertools as _itertools
import math as _math
import numbers as _numbers
import threading as _threading
from collections import abc as _abc

from ... import _C
from ..._C.utils.data import *  # noqa: F401,F403
from ..._C.utils.data import BatchSampler, ConcatDataset, Dataset, Sampler, Subset, _initialised


def _init_without_super(base):
    # PyTorch's Dataset and Sampler have nothing to initialise, so subclasses often skip
    # super().__init__(); pybind11 would refuse such an object. Make the C++ part afterwards.
    def __init_subclass__(cls, **kwargs):
        super(base, cls).__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            init(self, *args, **kw)
            if not _initialised(self):
                base.__init__(self)

        cls.__init__ = __init__

    base.__init_subclass__ = classmethod(__init_subclass__)


_init_without_super(Dataset)
_init_without_super(Sampler)
_init_without_super(BatchSampler)
del _init_without_super

_D = _C.utils.data


def _native(dataset):
    """Whether every example comes from C++, so that the C++ loader can gather and stack them."""
    if type(dataset) in (_D.TensorDataset, _D.FashionMNIST):
        return True
    if type(dataset) is _D.Subset:
        return _native(dataset.dataset)
    if type(dataset) is _D.ConcatDataset:
        return all(_native(d) for d in dataset.datasets)
    return False


# From Python, Subset and ConcatDataset hand on their datasets' samples as they are (any
# structure); the C++ side (the C++ loader) needs (data, target) pairs.
def _subset_getitem(self, index):
    return self.dataset[self._source_index(index)]


def _concat_getitem(self, index):
    if index < 0:
        index += len(self)
    if not 0 <= index < len(self):
        raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} examples")
    sizes = self.cumulative_sizes
    d = _bisect.bisect_right(sizes, index)
    return self.datasets[d][index - (sizes[d - 1] if d else 0)]


Subset.__getitem__ = _subset_getitem
ConcatDataset.__getitem__ = _concat_getitem


class _Sequence(Dataset):
    """Any object with __getitem__ and __len__ (a list, say) as a Dataset, so that Subset,
    ConcatDataset and random_split take it as PyTorch's do; they hand the object back."""

    def __init__(self, source):
        super().__init__()
        self.source = source

    def __len__(self):
        return len(self.source)

    def __getitem__(self, index):
        return self.source[index]


def _as_dataset(obj):
    if isinstance(obj, Dataset):
        return obj
    if not (hasattr(obj, "__getitem__") and hasattr(obj, "__len__")):
        raise TypeError(f"expected a Dataset or an object with __getitem__ and __len__, got {type(obj).__name__}")
    return _Sequence(obj)


def _given(dataset):
    return dataset.source if isinstance(dataset, _Sequence) else dataset


def _wrap_init(cls, convert):
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        init(self, *convert(*args, **kwargs))

    cls.__init__ = __init__


def _wrap_property(cls, name, unwrap):
    getter = getattr(cls, name).fget
    setattr(cls, name, property(lambda self: unwrap(getter(self)), doc=getattr(cls, name).__doc__))


_wrap_init(Subset, lambda dataset, indices: (_as_dataset(dataset), indices))
_wrap_init(ConcatDataset, lambda datasets: ([_as_dataset(d) for d in datasets],))
_wrap_property(Subset, "dataset", _given)
_wrap_property(ConcatDataset, "datasets", lambda ds: [_given(d) for d in ds])
_random_split = _D.random_split


@functools.wraps(_random_split)
def random_split(dataset, lengths, generator=None):
    return _random_split(_as_dataset(dataset), lengths, generator)


class DistributedSampler(Sampler):
    """The share of a dataset's indices that replica `rank` of `num_replicas` reads, as torch's:
    the indices (shuffled by seed + epoch, see set_epoch) padded by repeating the first ones, or
    with drop_last cut, to a multiple of num_replicas, then every num_replicas-th one from rank.
    tapegrad has no process group, so num_replicas and rank must be given."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            raise RuntimeError("DistributedSampler: tapegrad has no distributed process group to ask; pass "
                               "num_replicas and rank")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        Sampler.__init__(self)
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = _math.ceil((n - num_replicas) / num_replicas)  # the last partial round dropped
        else:
            self.num_samples = _math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = _C.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = _C.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        elif indices:
            padding = self.total_size - len(indices)
            indices += (indices * _math.ceil(padding / len(indices)))[:padding]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch, which with the seed picks the shuffle: call it before each epoch so that the
        replicas shuffle alike, and differently from one epoch to the next."""
        self.epoch = epoch


def _pinned(batch):
    if isinstance(batch, _C.Tensor):
        return batch.pin_memory()
    if isinstance(batch, dict):
        return {k: _pinned(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and not hasattr(batch, "_fields"):
        return type(batch)(_pinned(v) for v in batch)
    return batch


class IterableDataset(Dataset):
    """A stream of samples (torch.utils.data.IterableDataset): subclass it with ``__iter__``. The
    DataLoader batches consecutive samples; it reads the stream once per epoch, in one thread."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it instead of indexing")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """IterableDatasets one after another (torch.utils.data.ChainDataset)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class WorkerInfo:
    """What get_worker_info() returns inside a loader's worker thread: id, num_workers, seed, dataset."""

    def __init__(self, id, num_workers, seed, dataset):  # noqa: A002  (PyTorch's field name)
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


_worker = _threading.local()


def get_worker_info():
    """The WorkerInfo of the loader worker thread calling it, None elsewhere. A stream
    (IterableDataset) is read by the loop's own thread, once, so it sees None and need not shard
    itself, as in PyTorch's single-process loading."""
    return getattr(_worker, "info", None)


class StackDataset(Dataset):
    """Datasets of one length side by side (torch.utils.data.StackDataset): example i is the tuple
    of their examples i (datasets given by position) or the dict of them (given by keyword)."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        if args and kwargs:
            raise ValueError("StackDataset: give the datasets by position (tuple examples) or by keyword (dict "
                             "examples), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        datasets = list(args) if args else list(kwargs.values())
        self._length = len(datasets[0])
        if any(len(d) != self._length for d in datasets):
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {[len(d) for d in datasets]}")
        self.datasets = args if args else kwargs

    def __len__(self):
        return self._length

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        """The examples at ``indices``, each dataset asked once where it can fetch many."""
        def fetch(d):
            many = getattr(d, "__getitems__", None)
            items = many(indices) if many is not None else [d[i] for i in indices]
            if len(items) != len(indices):
                raise ValueError(f"StackDataset: nested __getitems__ returned {len(items)} examples for "
                                 f"{len(indices)} indices")
            return items
        if isinstance(self.datasets, dict):
            columns = {key: fetch(d) for key, d in self.datasets.items()}
            return [{key: col[j] for key, col in columns.items()} for j in range(len(indices))]
        columns = [fetch(d) for d in self.datasets]
        return [tuple(col[j] for col in columns) for j in range(len(indices))]


def default_convert(data):
    """PyTorch's default_convert (the loader's collate_fn when batch_size is None): NumPy arrays
    and scalars made into tensors, sequences and mappings converted field by field into the same
    type (tuples into lists, as in PyTorch), anything else (tensors, numbers, strings) as it is."""
    if isinstance(data, _C.Tensor):
        return data
    if type(data).__module__ == "numpy" and hasattr(data, "dtype"):
        if data.dtype.kind in "SUO":  # strings and objects stay NumPy's
            return data
        return _C.as_tensor(data)
    if isinstance(data, _abc.Mapping):
        fields = {key: default_convert(data[key]) for key in data}
        try:
            return type(data)(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, _abc.Sequence) and not isinstance(data, (str, bytes)):
        fields = [default_convert(d) for d in data]
        try:
            return type(data)(fields)
        except TypeError:
            return fields
    return data


def default_collate(batch):
    """PyTorch's default_collate: tensors (and NumPy arrays) stacked along a new dim 0, numbers
    made into a tensor, strings kept in a list; sequences and mappings collated field by field into
    the same type, except that tuples (those the datasets yield) become lists, as in PyTorch."""
    first = batch[0]
    if isinstance(first, _C.Tensor):
        return _C.stack(list(batch))
    if type(first).__module__ == "numpy" and hasattr(first, "shape"):
        return _C.stack([_C.tensor(b) for b in batch])
    if isinstance(first, bool):
        return _C.tensor(list(batch), dtype=_C.bool)
    if isinstance(first, _numbers.Integral):
        return _C.tensor(list(batch), dtype=_C.int64)
    if isinstance(first, _numbers.Real):
        return _C.tensor(list(batch), dtype=_C.float64)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, _abc.Mapping):
        fields = {key: default_collate([b[key] for b in batch]) for key in first}
        try:
            return type(first)(fields)
        except TypeError:  # a mapping type that cannot be built from a dict
            return fields
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
        return type(first)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(first, _abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(first, (tuple, list)):
            return fields
        try:
            return type(first)(fields)
        except TypeError:  # a sequence type that cannot be built from a list
            return fields
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts or lists; "
                    f"found {type(first).__name__}")


class DataLoader:
    """Batches of ``dataset`` (torch.utils.data.DataLoader): in order, shuffled from ``seed``, or as a
    ``sampler`` or ``batch_sampler`` says; ``num_workers > 0`` makes them on threads ahead of the
    loop, in the same order whatever the number of workers.

    TensorDataset, FashionMNIST and their Subsets/ConcatDatasets are gathered and stacked by C++
    threads. Any other dataset (a Dataset subclass, a list, anything with ``__getitem__`` and
    ``__len__``, or an IterableDataset) yields samples of any structure, batched by ``collate_fn``
    (default: ``default_collate``); a dataset's ``__getitems__(indices)``, where it has one, fetches
    each batch's samples at once. ``batch_size=None`` turns batching off, as in PyTorch: each sample
    goes through ``collate_fn`` alone (default: ``default_convert``).

    ``generator`` (PyTorch's keyword) seeds the shuffling stream with its seed, as ``seed`` does;
    the loader keeps its own stream. ``persistent_workers`` is accepted and changes nothing: the
    workers are threads, cheap to start each epoch, and the batches are the same either way; so
    are ``multiprocessing_context``, ``pin_memory_device`` and ``in_order`` (batches always come
    in order). ``worker_init_fn(worker_id)`` runs at the start of each worker thread, where
    get_worker_info() describes it; ``timeout`` (seconds) bounds the wait for a batch."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, prefetch_factor=2, seed=None, generator=None,
                 persistent_workers=False, worker_init_fn=None, timeout=0, multiprocessing_context=None,
                 pin_memory_device="", in_order=True):
        if generator is not None:
            if seed is not None:
                raise ValueError("DataLoader: pass seed or generator, not both")
            seed = generator.initial_seed()
        self.dataset = dataset
        self.persistent_workers = persistent_workers
        self.batch_size = None if batch_sampler is not None else batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self._batching = batch_size is not None or batch_sampler is not None
        if not self._batching and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        plan_batch_size = batch_size if self._batching else 1  # one sample at a time, in the sampler's order
        collate = collate_fn if collate_fn is not None else default_collate if self._batching else default_convert
        # As in PyTorch, pin_memory without a GPU does nothing.
        self.collate_fn = (lambda b: _pinned(collate(b))) if pin_memory and _C.cuda.is_available() else collate
        self._native = None
        self._epoch = -1
        self._window = max(1, num_workers) * prefetch_factor
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        self.worker_init_fn, self.timeout = worker_init_fn, timeout
        self._seed = _C.Generator().initial_seed() if seed is None else seed
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value!r}")
            # The stream is batched here; the plan only checks the options.
            _D._batch_plan((), plan_batch_size, False, None, None, num_workers, drop_last, prefetch_factor)
            self.sampler = self.batch_sampler = None
            return
        # The C++ loader's threads cannot run Python hooks: a worker_init_fn or a timeout takes
        # the Python path.
        python_workers = worker_init_fn is not None or timeout > 0
        if _native(dataset) and collate_fn is None and not python_workers and self._batching:
            self._native = _D.DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
                                         pin_memory, drop_last, prefetch_factor, seed)
            self.sampler, self.batch_sampler = self._native.sampler, self._native.batch_sampler
            return
        # The same samplers as the C++ loader's, drawing on the same seeded stream.
        self._plan = _D._batch_plan(dataset, plan_batch_size, shuffle, sampler, batch_sampler, num_workers,
                                    drop_last, prefetch_factor)
        self.sampler = self._plan.sampler
        self.batch_sampler = batch_sampler if batch_sampler is not None else self._plan
        self._generator = _C.Generator(self._seed)

    @property
    def epoch(self):
        return self._native.epoch if self._native is not None else self._epoch

    def __len__(self):
        if self._native is not None:
            return len(self._native)
        if self.batch_sampler is None:  # a stream: known only if the dataset says
            n = len(self.dataset)
            if not self._batching:
                return n
            return n // self.batch_size if self.drop_last else _math.ceil(n / self.batch_size)
        return len(self._plan)

    def __iter__(self):
        if self._native is not None:
            return iter(self._native)
        self._epoch += 1
        if self.batch_sampler is None:
            jobs = self._stream_batches()
        else:
            jobs = (lambda idx=idx: self._fetch(idx) for idx in self._plan._sample(self._generator))
        return self._run(jobs)

    def _fetch(self, indices):
        if not self._batching:
            return self.collate_fn(self.dataset[indices[0]])
        many = getattr(self.dataset, "__getitems__", None)
        return self.collate_fn(many(list(indices)) if many else [self.dataset[i] for i in indices])

    def _stream_batches(self):
        it = iter(self.dataset)
        if not self._batching:
            for sample in it:
                yield lambda sample=sample: self.collate_fn(sample)
            return
        while True:
            chunk = []
            for sample in it:
                chunk.append(sample)
                if len(chunk) == self.batch_size:
                    break
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield lambda chunk=chunk: self.collate_fn(chunk)
            if len(chunk) < self.batch_size:
                return

    def _run(self, jobs):
        if self.num_workers == 0:
            for job in jobs:
                yield job()
            return
        # Streams are read by one thread (the producer is a generator), batches are collated by
        # the workers; results come back in order, at most `window` ahead of the loop.
        ids = _itertools.count()

        def start_worker():
            worker_id = next(ids)
            _worker.info = WorkerInfo(worker_id, self.num_workers, self._seed + worker_id, self.dataset)
            if self.worker_init_fn is not None:
                self.worker_init_fn(worker_id)

        pool = _futures.ThreadPoolExecutor(self.num_workers, thread_name_prefix="tg-data", initializer=start_worker)
        pending = []

        def take():
            try:
                return pending.pop(0).result(timeout=self.timeout or None)
            except _futures.TimeoutError:
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None

        try:
            for job in jobs:
                pending.append(pool.submit(job))
                if len(pending) >= self._window:
                    yield take()
            while pending:
                yield take()
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False)
