"""tg.utils.data: samplers (C++ ones, Python subclasses, plain iterables), batch samplers, Subset,
ConcatDataset and random_split, alone and driving the DataLoader, with PyTorch's semantics."""
import pytest

import tapegrad as tg
from tapegrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, DistributedSampler,
                                 RandomSampler, Sampler, SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                 WeightedRandomSampler, random_split)


def numbers(n, start=0):
    return TensorDataset(tg.arange(start, start + n).float().view(n, 1), tg.arange(start, start + n))


def targets(loader):
    return [t for _, y in loader for t in y.tolist()]


def test_samplers_yield_pytorchs_orders():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    perm = RandomSampler(range(20))
    first = list(perm)
    assert sorted(first) == list(range(20)) and len(perm) == 20 and not perm.replacement
    assert first != list(perm)
    longer = list(RandomSampler(range(5), num_samples=12))
    assert sorted(longer[:5]) == list(range(5)) and len(longer) == 12
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=200))
    assert set(drawn) == {0, 1, 2} and len(drawn) == 200
    g = tg.Generator(7)
    own = RandomSampler(range(30), generator=g)
    a = list(own)
    g.manual_seed(7)
    assert list(own) == a
    assert sorted(SubsetRandomSampler([9, 4, 6])) == [4, 6, 9]
    assert SubsetRandomSampler(tg.tensor([2, 1])).indices == [2, 1]
    w = WeightedRandomSampler([0.0, 1.0, 3.0], 2000)
    picks = list(w)
    assert 0 not in picks and abs(picks.count(2) / 2000 - 0.75) < 0.05
    assert w.num_samples == 2000 and w.replacement and w.weights.dtype == tg.float64
    assert sorted(WeightedRandomSampler([1, 2, 3], 3, replacement=False)) == [0, 1, 2]
    # BatchSampler over a sampler or any iterable, as in PyTorch's docstring.
    assert list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    b = BatchSampler(range(10), batch_size=3, drop_last=True)
    assert list(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(b) == 3
    assert b.sampler == range(10) and b.batch_size == 3 and b.drop_last


def test_sampler_errors():
    with pytest.raises(ValueError, match="num_samples must be positive, got 0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2 positive weights"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError, match="finite and non-negative"):
        WeightedRandomSampler([1.0, float("nan")], 3)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(TypeError, match="indices must be integers, got float"):
        SubsetRandomSampler([1.5])
    with pytest.raises(TypeError, match="1-D integer tensor"):
        SubsetRandomSampler(tg.ones(2))
    with pytest.raises(TypeError, match="an iterable of indices, got int"):
        DataLoader(numbers(3), sampler=5)

    class NoIter(Sampler):
        def __len__(self):
            return 2

    with pytest.raises(TypeError, match="Sampler subclasses must define __iter__"):
        list(NoIter())
    with pytest.raises(TypeError, match="Sampler subclasses must define __iter__"):
        list(DataLoader(numbers(3), sampler=NoIter()))

    class NoItem(Dataset):
        def __len__(self):
            return 2

    with pytest.raises(TypeError, match="Dataset subclasses must define __getitem__"):
        NoItem()[0]
    with pytest.raises(TypeError, match="Dataset subclasses must define __len__"):
        len(Dataset())


def test_loader_with_samplers_and_batch_samplers():
    ds = numbers(6)
    # A Python Sampler subclass, a plain list and a C++ sampler all drive the loader.
    class Backwards(Sampler):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def __len__(self):
            return self.n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

    loader = DataLoader(ds, batch_size=4, sampler=Backwards(6), num_workers=2)
    assert targets(loader) == [5, 4, 3, 2, 1, 0] and len(loader) == 2
    assert isinstance(loader.sampler, Backwards)
    listed = DataLoader(ds, batch_size=2, sampler=[3, 3, 1])
    assert targets(listed) == [3, 3, 1] and listed.sampler == [3, 3, 1]
    # Samplers without their own generator follow the loader's seed, whatever the workers.
    w = WeightedRandomSampler([1.0, 0, 0, 0, 1, 1], 12)
    one = targets(DataLoader(ds, batch_size=5, sampler=w, seed=4))
    assert one == targets(DataLoader(ds, batch_size=5, sampler=w, seed=4, num_workers=3))
    assert set(one) <= {0, 4, 5} and len(one) == 12
    # Batch samplers: a C++ one, or any iterable of index lists.
    bs = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=True)
    by_batches = DataLoader(ds, batch_sampler=bs)
    assert [y.tolist() for _, y in by_batches] == [[0, 1, 2, 3]] and len(by_batches) == 1
    assert by_batches.batch_sampler.batch_size == 4
    custom = DataLoader(ds, batch_sampler=[[5, 0], [2], [1, 1, 1]])
    assert [y.tolist() for _, y in custom] == [[5, 0], [2], [1, 1, 1]] and len(custom) == 3
    assert custom.dataset is ds
    with pytest.raises(ValueError, match="sampler is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler is mutually exclusive"):
        DataLoader(ds, batch_sampler=bs, batch_size=2)
    with pytest.raises(IndexError, match="index 6 is out of range for 6 examples"):
        list(DataLoader(ds, sampler=[6]))


def test_batch_sampler_subclasses_drive_both_loaders():
    # PyTorch code often subclasses BatchSampler to group examples (by length, say): its
    # __iter__ and __len__ decide the batches, whichever loader gathers them.
    class EveryThird(BatchSampler):
        def __init__(self, n):
            super().__init__(SequentialSampler(range(n)), 2, False)
            self.n = n

        def __iter__(self):
            return iter([[i] for i in range(0, self.n, 3)])

        def __len__(self):
            return (self.n + 2) // 3

    assert list(EveryThird(7)) == [[0], [3], [6]]
    for ds in (numbers(7), list(range(7))):
        loader = DataLoader(ds, batch_sampler=EveryThird(7), num_workers=2)
        assert [b.tolist() if isinstance(b, tg.Tensor) else b[1].tolist() for b in loader] == [[0], [3], [6]]
        assert len(loader) == 3 and isinstance(loader.batch_sampler, EveryThird)

    class NoSuper(BatchSampler):
        def __init__(self):
            pass

        def __iter__(self):
            yield [4, 1]
            yield [0]

        def __len__(self):
            return 2

    assert [y.tolist() for _, y in DataLoader(numbers(5), batch_sampler=NoSuper())] == [[4, 1], [0]]

    class OnlyLength(BatchSampler):  # the base's batches, the subclass's count
        def __len__(self):
            return 9

    only = DataLoader(list(range(5)), batch_sampler=OnlyLength(SequentialSampler(range(5)), 2, False))
    assert len(only) == 9 and [b.tolist() for b in only] == [[0, 1], [2, 3], [4]]

    class Empty(BatchSampler):
        def __init__(self):
            pass

    for ds in (numbers(5), list(range(5))):
        with pytest.raises(TypeError, match="BatchSampler subclasses must define __iter__"):
            list(DataLoader(ds, batch_sampler=Empty()))
    with pytest.raises(TypeError, match="batch_sampler must be a BatchSampler or an iterable"):
        DataLoader(list(range(5)), batch_sampler=3)
    with pytest.raises(ValueError, match="num_workers must be non-negative, got -1"):
        DataLoader(list(range(5)), num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor must be positive, got 0"):
        DataLoader(numbers(5), prefetch_factor=0)


def test_subset_concat_and_random_split():
    ds = numbers(10)
    s = Subset(ds, [7, 2, 2])
    assert len(s) == 3 and s[0][1].item() == 7 and s.indices == [7, 2, 2] and s.dataset is ds
    assert Subset(ds, range(3, 6))[2][1].item() == 5
    assert Subset(ds, tg.tensor([4]))[0][1].item() == 4
    with pytest.raises(IndexError, match="Subset: index 10 is out of range for a dataset of 10 examples"):
        Subset(ds, [10])
    c = ConcatDataset([numbers(2), numbers(3, start=100)])
    assert len(c) == 5 and c.cumulative_sizes == [2, 5] and c[2][1].item() == 100 and len(c.datasets) == 2
    assert targets(DataLoader(c, batch_size=2)) == [0, 1, 100, 101, 102]
    summed = numbers(2) + numbers(1, start=50)
    assert isinstance(summed, ConcatDataset) and summed[2][1].item() == 50
    with pytest.raises(ValueError, match="got no datasets"):
        ConcatDataset([])
    # Python datasets join in too.
    class Squares(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return tg.tensor([float(i)]), tg.tensor(i * i)

    mixed = ConcatDataset([Squares(), numbers(1, start=7)])
    assert targets(DataLoader(Subset(mixed, [4, 3]), batch_size=2)) == [7, 9]

    g = tg.Generator(1)
    parts = random_split(ds, [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    g.manual_seed(1)
    assert random_split(ds, [3, 7], generator=g)[1].indices == parts[1].indices
    with pytest.raises(ValueError, match="sum to 9, not to the dataset's 10 examples"):
        random_split(ds, [3, 6])
    with pytest.raises(TypeError, match="neither whole counts nor fractions"):
        random_split(ds, [0.5, 9.5])


def test_random_split_fractions_match_pytorch():
    torch = pytest.importorskip("torch")
    for n, fractions in [(10, [0.25, 0.25, 0.5]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.3, 0.4]), (5, [1])]:
        ours = [len(p) for p in random_split(numbers(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs, (n, fractions)


def test_subclasses_need_not_call_super_init():
    class Plain(Dataset):
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return tg.tensor([float(i)]), tg.tensor(i)

    class Deeper(Plain):
        def __init__(self):
            super().__init__(3)

    class Every(Sampler):
        def __init__(self, step):
            self.step = step

        def __len__(self):
            return 2

        def __iter__(self):
            return iter([0, self.step])

    assert targets(DataLoader(Plain(4), batch_size=4)) == [0, 1, 2, 3]
    assert len(Deeper()) == 3 and Deeper().n == 3
    assert targets(DataLoader(Plain(4), sampler=Every(3))) == [0, 3]


def test_tensor_dataset_of_any_number_of_tensors():
    # PyTorch's TensorDataset(*tensors): example i is the tuple of row i of each tensor.
    x, y, w = tg.arange(5.0).view(5, 1), tg.arange(5) * 10, tg.arange(5) * 100
    three = TensorDataset(x, y, w)
    assert [t.tolist() for t in three[2]] == [[2.0], 20, 200] and len(three.tensors) == 3
    one = TensorDataset(y)
    assert len(one[4]) == 1 and one[4][0].item() == 40 and len(one.tensors) == 1
    for workers in (0, 2):
        batches = list(DataLoader(three, batch_size=2, num_workers=workers))
        assert all(len(b) == 3 for b in batches)
        assert [v for _, _, b in batches for v in b.tolist()] == [0, 100, 200, 300, 400]
        (only,) = next(iter(DataLoader(one, batch_size=5, shuffle=True, seed=1)))
        assert sorted(only.tolist()) == [0, 10, 20, 30, 40]
    # Subsets and concatenations of them keep every tensor, gathered in C++ or collated.
    joined = Subset(three, [4, 0]) + three
    assert [b[2].tolist() for b in DataLoader(joined, batch_size=3)] == [[400, 0, 0], [100, 200, 300], [400]]
    collated = DataLoader(three, batch_size=5, collate_fn=lambda b: len(b[0]))
    assert list(collated) == [3]
    with pytest.raises(RuntimeError, match="tensor 1 of shape \\[4\\] differs from the first, of shape \\[5, 1\\]"):
        TensorDataset(x, y[:4])
    with pytest.raises(ValueError, match="needs at least one tensor"):
        TensorDataset()
    with pytest.raises(TypeError, match="expected tensors, got list"):
        TensorDataset([1, 2])


def test_python_datasets_yield_any_structure_and_collate_fn():
    from tapegrad.utils.data import ChainDataset, IterableDataset, default_collate, get_worker_info

    class Records(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": tg.full((2,), float(i)), "label": i, "name": f"r{i}", "pair": (i, float(i) / 2)}

    for workers in (0, 2):
        batches = list(DataLoader(Records(), batch_size=2, num_workers=workers))
        assert len(batches) == 3
        b = batches[0]
        assert b["x"].shape == (2, 2) and b["label"].tolist() == [0, 1] and b["label"].dtype == tg.int64
        assert b["name"] == ["r0", "r1"] and b["pair"][1].dtype == tg.float64 and b["pair"][1].tolist() == [0.0, 0.5]
    # A plain list is a dataset; collate_fn sees the samples.
    assert [t.tolist() for t in DataLoader([1, 2, 3], batch_size=2)] == [[1, 2], [3]]
    sums = list(DataLoader([tg.tensor([1.0]), tg.tensor([2.0]), tg.tensor([4.0])], batch_size=3,
                           collate_fn=lambda xs: sum(x.item() for x in xs)))
    assert sums == [7.0]
    # The same seed gives the same order as the C++ loader, whatever the workers.
    ds = numbers(23)
    native = targets(DataLoader(ds, batch_size=5, shuffle=True, seed=8))
    wrapped = [t for batch in DataLoader(ds, batch_size=5, shuffle=True, seed=8, num_workers=3,
                                         collate_fn=default_collate) for t in batch[1].tolist()]
    assert native == wrapped and sorted(native) == list(range(23))
    loader = DataLoader(Records(), batch_size=2, shuffle=True, seed=1)
    first, second = [b["label"].tolist() for b in loader], [b["label"].tolist() for b in loader]
    assert first != second and loader.epoch == 1
    # Subset and ConcatDataset hand Python samples on as they are.
    picked = Subset(Records(), [4, 0])
    assert picked[0]["name"] == "r4" and picked[-1]["label"] == 0
    with pytest.raises(IndexError, match="Subset: index 2 is out of range for 2 examples"):
        picked[2]
    both = ConcatDataset([Records(), Records()])
    assert both[7]["label"] == 2 and both[-1]["label"] == 4
    assert [b["label"].tolist() for b in DataLoader(picked, batch_size=2)] == [[4, 0]]
    with pytest.raises(IndexError, match="index 10 is out of range for 10 examples"):
        both[10]
    with pytest.raises(RuntimeError, match="each element in the batch should be of equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])
    assert get_worker_info() is None


def test_iterable_datasets():
    from tapegrad.utils.data import ChainDataset, IterableDataset

    class Count(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            for i in range(self.n):
                yield tg.tensor([float(i)]), i

    for workers in (0, 2):
        batches = list(DataLoader(Count(7), batch_size=3, num_workers=workers))
        assert [y.tolist() for _, y in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = DataLoader(Count(7), batch_size=3, drop_last=True)
    assert [y.tolist() for _, y in dropped] == [[0, 1, 2], [3, 4, 5]]
    chained = Count(2) + Count(3)
    assert isinstance(chained, ChainDataset)
    assert [y.tolist() for _, y in DataLoader(chained, batch_size=10)] == [[0, 1, 0, 1, 2]]

    class Sized(Count):
        def __len__(self):
            return self.n

    assert len(DataLoader(Sized(7), batch_size=3)) == 3 and len(DataLoader(Sized(7), batch_size=3, drop_last=True)) == 2
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got shuffle=True"):
        DataLoader(Count(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Count(3), sampler=[0])
    with pytest.raises(TypeError, match="iterate over it instead of indexing"):
        Count(3)[0]
    with pytest.raises(ValueError, match="num_workers must be non-negative"):
        DataLoader(Count(3), num_workers=-1)


def test_loader_generator_keyword_seeds_the_order():
    ds = numbers(30)
    by_seed = targets(DataLoader(ds, batch_size=4, shuffle=True, seed=5))
    g = tg.Generator(5)
    assert targets(DataLoader(ds, batch_size=4, shuffle=True, generator=g, persistent_workers=True)) == by_seed
    py_order = [t for b in DataLoader(list(range(30)), batch_size=4, shuffle=True, generator=tg.Generator(5))
                for t in b.tolist()]
    assert py_order == by_seed
    with pytest.raises(ValueError, match="pass seed or generator, not both"):
        DataLoader(ds, seed=1, generator=g)


def test_subset_concat_and_random_split_take_plain_sequences():
    # PyTorch's take any object with __getitem__ and __len__ (a list of samples, say) and hand
    # it back as .dataset / .datasets.
    data = [(i, str(i)) for i in range(10)]
    a, b = random_split(data, [0.8, 0.2], generator=tg.Generator().manual_seed(0))
    assert (len(a), len(b)) == (8, 2) and a.dataset is data
    assert sorted(a.indices + b.indices) == list(range(10)) and a[0] == data[a.indices[0]]
    s = Subset(data, [3, 1])
    assert s[0] == (3, "3") and s.dataset is data
    (numbers_batch, names), = list(DataLoader(s, batch_size=2))
    assert numbers_batch.tolist() == [3, 1] and list(names) == ["3", "1"]
    c = ConcatDataset([data, [("x", "y")]])
    assert len(c) == 11 and c[10] == ("x", "y") and c.datasets[0] is data
    with pytest.raises(TypeError, match="expected a Dataset or an object with __getitem__ and __len__, got int"):
        Subset(3, [0])


def test_worker_init_fn_worker_info_and_timeout():
    import time

    from tapegrad.utils.data import get_worker_info

    started, seen_in_getitem = [], []

    class Recording(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            seen_in_getitem.append(get_worker_info().id)
            return i

    loader = DataLoader(Recording(), batch_size=2, num_workers=2, seed=5,
                        worker_init_fn=lambda wid: started.append((wid, get_worker_info().num_workers)))
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
    assert sorted(started) == [(0, 2), (1, 2)] and set(seen_in_getitem) <= {0, 1}
    assert get_worker_info() is None  # the loop's own thread
    # A native dataset with a worker_init_fn still gives the same batches.
    native = DataLoader(numbers(5), batch_size=2, num_workers=2, worker_init_fn=lambda wid: None)
    assert targets(native) == [0, 1, 2, 3, 4]

    class Slow(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            time.sleep(0.5)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        list(DataLoader(Slow(), batch_size=2, num_workers=1, timeout=0.1))
    with pytest.raises(ValueError, match="timeout option should be non-negative, got -1"):
        DataLoader(Slow(), timeout=-1)
    # Accepted for PyTorch's sake (threads need none of them).
    DataLoader(numbers(3), multiprocessing_context="spawn", pin_memory_device="", in_order=False)


def test_default_collate_keeps_containers_as_pytorch():
    import collections

    from tapegrad.utils.data import default_collate

    # Tuples become lists, as do the C++ loader's batches; other containers keep their type.
    out = default_collate([(tg.tensor([1.0]), 2), (tg.tensor([3.0]), 4)])
    assert type(out) is list and out[0].tolist() == [[1.0], [3.0]] and out[1].tolist() == [2, 4]
    batch = next(iter(DataLoader(TensorDataset(tg.arange(4.0), tg.arange(4)), batch_size=2)))
    assert type(batch) is list and [t.tolist() for t in batch] == [[0.0, 1.0], [0, 1]]
    ordered = default_collate([collections.OrderedDict(a=1, b=2.0), collections.OrderedDict(a=3, b=4.0)])
    assert type(ordered) is collections.OrderedDict and list(ordered) == ["a", "b"]
    Point = collections.namedtuple("Point", "x y")
    point = default_collate([Point(1, 2), Point(3, 4)])
    assert type(point) is Point and point.y.tolist() == [2, 4]
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    sample = [{"a": (1, 2.0), "n": "x"}, {"a": (3, 4.0), "n": "y"}]
    ours, theirs = default_collate(sample), torch_collate(sample)
    assert type(ours["a"]) is type(theirs["a"]) and ours["n"] == theirs["n"]
    assert [t.tolist() for t in ours["a"]] == [t.tolist() for t in theirs["a"]]


def test_stack_dataset_tuples_and_dicts_of_examples():
    from tapegrad.utils.data import StackDataset

    images, labels = tg.arange(10).float().view(5, 2), ["a", "b", "c", "d", "e"]
    pairs = StackDataset(TensorDataset(images), labels)
    assert len(pairs) == 5
    (x,), y = pairs[2]
    assert x.tolist() == [4.0, 5.0] and y == "c"
    named = StackDataset(image=TensorDataset(images), label=labels)
    assert set(named[4]) == {"image", "label"} and named[4]["label"] == "e"

    class Counted(Dataset):
        def __init__(self):
            self.calls = 0

        def __len__(self):
            return 5

        def __getitem__(self, i):
            return i * 10

        def __getitems__(self, indices):
            self.calls += 1
            return [i * 10 for i in indices]

    counted = Counted()
    stacked = StackDataset(counted, labels)
    assert stacked.__getitems__([1, 3]) == [(10, "b"), (30, "d")]
    # The loader fetches a batch with one __getitems__ call per dataset that has one.
    batches = list(DataLoader(stacked, batch_size=2))
    assert counted.calls == 4
    assert batches[0][0].tolist() == [0, 10] and batches[0][1] == ["a", "b"]
    with pytest.raises(ValueError, match="StackDataset: size mismatch between datasets: lengths \\[5, 3\\]"):
        StackDataset(labels, [1, 2, 3])
    with pytest.raises(ValueError, match="not both"):
        StackDataset(labels, label=labels)
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()


def test_default_convert_and_loading_without_batching():
    import collections

    import numpy as np

    from tapegrad.utils.data import IterableDataset, default_convert

    arr = np.arange(6.0).reshape(2, 3)
    converted = default_convert({"x": arr, "n": 3, "pair": (np.int64(2), "s"), "names": np.array(["a", "b"])})
    assert isinstance(converted["x"], tg.Tensor) and converted["x"].tolist() == arr.tolist()
    assert converted["n"] == 3
    assert isinstance(converted["pair"], list) and isinstance(converted["pair"][0], tg.Tensor)
    assert converted["pair"][0].dtype == tg.int64 and converted["pair"][1] == "s"
    assert isinstance(converted["names"], np.ndarray)  # strings stay NumPy's
    Point = collections.namedtuple("Point", "x y")
    p = default_convert(Point(np.float32(1.5), [np.zeros(2)]))
    assert isinstance(p, Point) and p.x.dtype == tg.float32 and p.y[0].tolist() == [0.0, 0.0]
    t = tg.ones(2)
    assert default_convert(t) is t

    # batch_size=None: samples one at a time, each through default_convert, in the sampler's order.
    samples = [(np.full(2, i), i) for i in range(4)]
    loader = DataLoader(samples, batch_size=None, shuffle=True, seed=3)
    seen = list(loader)
    assert len(loader) == 4 and len(seen) == 4
    assert sorted(y for _, y in seen) == [0, 1, 2, 3]
    assert all(isinstance(x, tg.Tensor) and x.tolist() == [y, y] for x, y in seen)
    assert [y for _, y in DataLoader(samples, batch_size=None, num_workers=2)] == [0, 1, 2, 3]
    native = DataLoader(numbers(3), batch_size=None)
    assert [y.tolist() for _, y in native] == [0, 1, 2]

    class Stream(IterableDataset):
        def __iter__(self):
            return iter([np.ones(1), np.zeros(1)])

        def __len__(self):
            return 2

    streamed = DataLoader(Stream(), batch_size=None)
    assert len(streamed) == 2 and [x.tolist() for x in streamed] == [[1.0], [0.0]]
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(samples, batch_size=None, drop_last=True)


def test_distributed_sampler_splits_the_indices_among_replicas():
    ds = TensorDataset(tg.arange(10.0))
    shares = [list(DistributedSampler(ds, 3, r, shuffle=False)) for r in range(3)]
    assert shares == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]  # padded with the first indices
    assert [len(DistributedSampler(ds, 3, r, shuffle=False)) for r in range(3)] == [4, 4, 4]
    dropped = [list(DistributedSampler(ds, 3, r, shuffle=False, drop_last=True)) for r in range(3)]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    # Shuffled: every replica shuffles alike, so the shares partition the (padded) indices; the
    # epoch changes the order.
    samplers = [DistributedSampler(ds, 2, r, seed=5) for r in range(2)]
    first = [list(s) for s in samplers]
    assert sorted(first[0] + first[1]) == list(range(10))
    assert first == [list(s) for s in samplers]
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != first
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    batches = [b[0].tolist() for b in loader]
    assert batches == [[1.0, 3.0], [5.0, 7.0], [9.0]]
    with pytest.raises(RuntimeError, match="pass num_replicas and rank"):
        DistributedSampler(ds)
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(ds, 3, 3)


def test_distributed_sampler_matches_torch_without_shuffle():
    torch = pytest.importorskip("torch")
    for n, replicas, drop in ((10, 3, False), (10, 3, True), (7, 4, False), (2, 5, False), (8, 4, True)):
        for r in range(replicas):
            ours = list(DistributedSampler(list(range(n)), replicas, r, shuffle=False, drop_last=drop))
            theirs = list(torch.utils.data.DistributedSampler(list(range(n)), replicas, r, shuffle=False,
                                                               drop_last=drop))
            assert ours == theirs, (n, replicas, r, drop)
