"""AdaptiveLogSoftmaxWithLoss (Grave et al., "Efficient softmax approximation for GPUs"), as
torch.nn's: the frequent classes (below cutoffs[0]) are scored by a head that also scores one
entry per cluster of rarer classes; a class in cluster i gets the head's log-probability of the
cluster plus that of the class within it, from a smaller projection run only on the rows whose
target lies there."""
import collections

from .. import _C
from . import functional as F
from .._C.nn import Linear, ModuleList, Sequential

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = collections.namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(_C.nn.Module):
    """``forward(input, target)`` gives (output, loss): each row's log-probability of its target
    and their mean negated; ``log_prob(input)`` every class's, ``predict(input)`` the likeliest.
    Cluster i's projection narrows in_features by ``div_value ** (i + 1)``."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        factory = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **factory),
                                        Linear(hidden, size, bias=False, **factory)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input, target):
        if target.dim() == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
        elif target.dim() == 0:
            if input.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target.dim() > 0
        x = input if batched else input.unsqueeze(0)
        t = target if batched else target.unsqueeze(0)
        if t.numel() > 0 and (t.min().item() < 0 or t.max().item() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{t.min().item()}, {t.max().item()}] were found. ")
        # The head scores a shortlist target itself and a rarer one through its cluster's entry.
        starts = _C.tensor(self.cutoffs[:-1], device=t.device)
        cluster = (t.unsqueeze(1) >= starts).sum(dim=1) - 1  # -1 in the shortlist
        head_index = _C.where(cluster < 0, t, cluster + self.shortlist_size)
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        for i, projection in enumerate(self.tail):
            rows = (cluster == i).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            within = t.index_select(0, rows) - self.cutoffs[i]
            logprob = F.log_softmax(projection(x.index_select(0, rows)), dim=1)
            output = output.index_add(0, rows, logprob.gather(1, within.unsqueeze(1)).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, x):
        head_logprob = F.log_softmax(self.head(x), dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = head_logprob[:, self.shortlist_size + i].unsqueeze(1)
            parts.append(F.log_softmax(projection(x), dim=1) + cluster)
        return _C.cat(parts, dim=1)

    def log_prob(self, input):
        """The log-probability of every class, [N, n_classes] (or [n_classes] for one row)."""
        if input.dim() not in (1, 2):
            raise RuntimeError(f"log_prob: expected a 1D or 2D input, got one of size {tuple(input.shape)}")
        if input.dim() == 1:
            return self._full_log_prob(input.unsqueeze(0)).squeeze(0)
        return self._full_log_prob(input)

    def predict(self, input):
        """The likeliest class of each row (of the one row for a 1D input)."""
        return self.log_prob(input).argmax(dim=-1)
