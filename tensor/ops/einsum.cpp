// einsum over any number of operands, lowered onto diagonal / sum / permute / reshape and one
// batched matrix product per pair (contracted left to right, as torch does without opt_einsum),
// so its backward comes from those ops.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

// Labels are chars; the dims an ellipsis covers get labels from kEllipsisBase upwards.
constexpr int kEllipsisBase = 256;

struct Term {
  Tensor t;
  std::vector<int> labels;
};

std::vector<int> parse_term(std::string_view term, int ndim, int& ellipsis_dims, const char* what, bool allow_count) {
  std::vector<int> labels;
  bool seen_ellipsis = false;
  int named = 0;
  for (size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == '.') {
      TG_CHECK_VALUE(term.substr(i, 3) == "..." && !seen_ellipsis, "einsum: malformed ellipsis in {} \"{}\"", what, term);
      seen_ellipsis = true;
      labels.push_back(-1);
      i += 2;
    } else if (c == ' ') {
      continue;
    } else {
      TG_CHECK_VALUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'), "einsum: invalid subscript '{}' in {} \"{}\"",
                     c, what, term);
      labels.push_back(static_cast<unsigned char>(c));
      ++named;
    }
  }
  if (allow_count) {
    if (seen_ellipsis) {
      TG_CHECK_VALUE(named <= ndim, "einsum: {} \"{}\" has more subscripts than the operand's {} dims", what, term, ndim);
      ellipsis_dims = std::max(ellipsis_dims, ndim - named);
    } else {
      TG_CHECK_VALUE(named == ndim, "einsum: {} \"{}\" has {} subscripts but the operand has {} dims", what, term, named,
                     ndim);
    }
  }
  return labels;
}

// Replaces the ellipsis marker by the labels of the dims it covers (right-aligned).
std::vector<int> expand_ellipsis(const std::vector<int>& labels, int covered) {
  std::vector<int> out;
  for (int l : labels) {
    if (l != -1) {
      out.push_back(l);
      continue;
    }
    for (int i = 0; i < covered; ++i) out.push_back(kEllipsisBase + i);
  }
  return out;
}

// Takes diagonals for labels repeated within an operand.
void take_diagonals(Term& op) {
  for (size_t i = 0; i < op.labels.size(); ++i) {
    for (size_t j = i + 1; j < op.labels.size();) {
      if (op.labels[j] != op.labels[i]) {
        ++j;
        continue;
      }
      TG_CHECK_VALUE(op.t.sizes()[static_cast<int>(i)] == op.t.sizes()[static_cast<int>(j)],
                     "einsum: subscript repeated over dims of different sizes ({} and {})",
                     op.t.sizes()[static_cast<int>(i)], op.t.sizes()[static_cast<int>(j)]);
      // diagonal() puts the diagonal last; move it back to position i.
      Tensor d = op.t.diagonal(0, static_cast<int64_t>(i), static_cast<int64_t>(j));
      d = movedim(d, -1, static_cast<int64_t>(i));
      op.labels.erase(op.labels.begin() + static_cast<long>(j));
      op.t = d;
    }
  }
}

// Sums dims whose label is not in `keep`.
void sum_out(Term& op, const std::vector<int>& keep) {
  Shape dims;
  std::vector<int> kept;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    if (std::find(keep.begin(), keep.end(), op.labels[i]) == keep.end()) dims.push_back(static_cast<int64_t>(i));
    else kept.push_back(op.labels[i]);
  }
  if (dims.empty()) return;
  op.t = sum(op.t, dims);
  op.labels = kept;
}

// Permutes to `order` (labels all present) and returns the tensor.
Tensor arrange(const Term& op, const std::vector<int>& order) {
  Shape perm;
  for (int l : order)
    perm.push_back(std::find(op.labels.begin(), op.labels.end(), l) - op.labels.begin());
  return permute(op.t, perm);
}

int64_t size_of(const Term& op, int label) {
  auto it = std::find(op.labels.begin(), op.labels.end(), label);
  return it == op.labels.end() ? 1 : op.t.sizes()[static_cast<int>(it - op.labels.begin())];
}

// The product of two terms with every label not in `keep` (the output's and the later operands')
// summed away: labels both have and `keep` needs become batch dims of one bmm, labels both have
// and nothing needs are contracted by it. Shared labels may broadcast (size 1 against n).
Term contract(Term a, Term b, const std::vector<int>& keep) {
  const auto has = [](const std::vector<int>& labels, int l) {
    return std::find(labels.begin(), labels.end(), l) != labels.end();
  };
  std::vector<int> keep_a = keep, keep_b = keep;
  keep_a.insert(keep_a.end(), b.labels.begin(), b.labels.end());
  keep_b.insert(keep_b.end(), a.labels.begin(), a.labels.end());
  sum_out(a, keep_a);
  sum_out(b, keep_b);
  std::vector<int> batch, left, right, contracted;
  for (int l : a.labels) {
    if (has(b.labels, l) && has(keep, l))
      batch.push_back(l);
    else if (has(b.labels, l))
      contracted.push_back(l);
    else
      left.push_back(l);
  }
  for (int l : b.labels)
    if (!has(a.labels, l)) right.push_back(l);
  auto common = [&](int l) {
    const int64_t sa = size_of(a, l), sb = size_of(b, l);
    TG_CHECK_VALUE(sa == sb || sa == 1 || sb == 1,
                   "einsum: subscript '{}' has size {} in one operand and {} in another",
                   l < kEllipsisBase ? static_cast<char>(l) : '.', sa, sb);
    return std::max(sa, sb);
  };
  Shape a_shape, b_shape, prod_shape;
  int64_t nb = 1, nl = 1, nr = 1, nc = 1;
  for (int l : batch) {
    const int64_t s = common(l);
    a_shape.push_back(s);
    prod_shape.push_back(s);
    nb *= s;
  }
  b_shape = a_shape;
  for (int l : left) {
    a_shape.push_back(size_of(a, l));
    prod_shape.push_back(size_of(a, l));
    nl *= size_of(a, l);
  }
  for (int l : contracted) {
    const int64_t s = common(l);
    a_shape.push_back(s);
    b_shape.push_back(s);
    nc *= s;
  }
  for (int l : right) {
    b_shape.push_back(size_of(b, l));
    prod_shape.push_back(size_of(b, l));
    nr *= size_of(b, l);
  }
  std::vector<int> a_order = batch, b_order = batch, prod_labels = batch;
  a_order.insert(a_order.end(), left.begin(), left.end());
  a_order.insert(a_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), right.begin(), right.end());
  prod_labels.insert(prod_labels.end(), left.begin(), left.end());
  prod_labels.insert(prod_labels.end(), right.begin(), right.end());
  const Tensor ta = arrange(a, a_order).expand(a_shape).reshape({nb, nl, nc});
  const Tensor tb = arrange(b, b_order).expand(b_shape).reshape({nb, nc, nr});
  return {bmm(ta, tb).reshape(prod_shape), prod_labels};
}

}  // namespace

Tensor einsum(std::string_view equation, const tensor_list& operands, SourceLoc loc) {
  detail::ApiScope scope("einsum", loc);
  TG_CHECK_VALUE(!operands.empty(), "einsum: expected at least one operand");
  for (size_t i = 0; i < operands.size(); ++i) TG_CHECK(operands[i].defined(), "einsum: operand {} is undefined", i);
  const size_t arrow = equation.find("->");
  const std::string_view lhs = equation.substr(0, arrow);
  std::vector<std::string_view> terms;
  for (size_t start = 0;;) {
    const size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  TG_CHECK_VALUE(terms.size() == operands.size(), "einsum: the equation \"{}\" has {} terms but {} operands were given",
                 equation, terms.size(), operands.size());

  int ellipsis_dims = 0;
  std::vector<std::vector<int>> raw;
  for (size_t i = 0; i < terms.size(); ++i) raw.push_back(parse_term(terms[i], operands[i].dim(), ellipsis_dims, "term", true));
  std::vector<Term> ops_;
  for (size_t i = 0; i < terms.size(); ++i) {
    const bool has_ellipsis = std::find(raw[i].begin(), raw[i].end(), -1) != raw[i].end();
    int covered = 0;
    if (has_ellipsis) covered = operands[i].dim() - (static_cast<int>(raw[i].size()) - 1);
    // Right-align each operand's ellipsis dims with the widest one.
    std::vector<int> labels;
    for (int l : raw[i]) {
      if (l != -1) {
        labels.push_back(l);
        continue;
      }
      for (int k = 0; k < covered; ++k) labels.push_back(kEllipsisBase + (ellipsis_dims - covered) + k);
    }
    ops_.push_back({operands[i], labels});
  }

  std::vector<int> out_labels;
  if (arrow != std::string_view::npos) {
    int unused = 0;
    out_labels = expand_ellipsis(parse_term(equation.substr(arrow + 2), 0, unused, "output", false), ellipsis_dims);
    for (size_t i = 0; i < out_labels.size(); ++i) {
      TG_CHECK_VALUE(std::count(out_labels.begin(), out_labels.end(), out_labels[i]) == 1,
                     "einsum: output subscript '{}' appears more than once", static_cast<char>(out_labels[i]));
      bool found = false;
      for (const Term& op : ops_) found |= std::find(op.labels.begin(), op.labels.end(), out_labels[i]) != op.labels.end();
      TG_CHECK_VALUE(found || out_labels[i] >= kEllipsisBase, "einsum: output subscript '{}' does not appear in the inputs",
                     static_cast<char>(out_labels[i]));
    }
  } else {
    // Implicit output: ellipsis dims, then labels that appear exactly once, alphabetically.
    std::map<int, int> counts;
    for (const Term& op : ops_)
      for (int l : op.labels) ++counts[l];
    for (int i = 0; i < ellipsis_dims; ++i) out_labels.push_back(kEllipsisBase + i);
    for (auto [l, c] : counts)
      if (c == 1 && l < kEllipsisBase) out_labels.push_back(l);
  }

  for (Term& op : ops_) take_diagonals(op);
  Term result = ops_[0];
  for (size_t i = 1; i < ops_.size(); ++i) {
    std::vector<int> keep = out_labels;  // what the output and the operands after this one need
    for (size_t j = i + 1; j < ops_.size(); ++j) keep.insert(keep.end(), ops_[j].labels.begin(), ops_[j].labels.end());
    result = contract(std::move(result), ops_[i], keep);
  }
  sum_out(result, out_labels);
  std::vector<int> present;
  Shape out_shape;
  for (int l : out_labels) {
    if (std::find(result.labels.begin(), result.labels.end(), l) != result.labels.end()) present.push_back(l);
    out_shape.push_back(size_of(result, l));
  }
  return arrange(result, present).reshape(out_shape);
}

}  // namespace tg
