"""Plausible wrong answers to the autoregressive lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants autoregressive`` to see the table.
"""

from grader.mutants import Mutant

_TOPK = ("        kth = torch.topk(out, top_k, dim=-1).values[..., -1:]\n"
         "        out = out.masked_fill(out < kth, float(\"-inf\"))\n")
_TOPP_KEEP = ("        n_keep = (mass_before < top_p).sum(dim=-1, keepdim=True)\n"
              "        threshold = sorted_probs.gather(-1, n_keep - 1)\n"
              "        out = out.masked_fill(probs < threshold, float(\"-inf\"))")
_TOPK_BLOCK = "    if top_k is not None and top_k < logits.shape[-1]:\n" + _TOPK
_TOPP_BLOCK = ("    if top_p is not None and top_p < 1.0:\n"
               "        probs = torch.softmax(out, dim=-1)\n"
               "        sorted_probs = probs.sort(dim=-1, descending=True).values\n"
               "        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs\n" + _TOPP_KEEP + "\n")
_LOGP = ("logp = torch.log_softmax(next_logits(torch.tensor([prompt + seq], dtype=torch.long))[0].double(), dim=-1)")
_PRUNE = ("        for seq, score in candidates[:beam_width]:\n"
          "            (finished if seq[-1] == eos else beams).append((seq, score))\n")
_GREEDY = ("    out = []\n"
           "    for _ in range(max_new):\n"
           "        logits = next_logits(torch.tensor([prompt + out], dtype=torch.long))\n"
           "        token = int(logits[0].argmax())\n"
           "        out.append(token)\n"
           "        if token == eos:\n"
           "            break\n")

MUTANTS = [
    # --- bigram_probs
    Mutant("bigram_denominator_v_minus_1", "bigram_probs",
           "(counts + alpha).sum(dim=1, keepdim=True)", "(counts.sum(dim=1, keepdim=True) + alpha * (vocab_size - 1))",
           "smoothing mass alpha (V - 1) in the denominator: the boundary token not counted in V"),
    Mutant("bigram_smoothing_numerator_only", "bigram_probs",
           "(counts + alpha).sum(dim=1, keepdim=True)", "counts.sum(dim=1, keepdim=True).clamp(min=1)",
           "alpha added to the counts but not to the denominator"),
    Mutant("bigram_no_end_token", "bigram_probs", "s = [0, *seq, 0]", "s = [0, *seq]",
           "the final '.' of a word is not counted"),
    Mutant("bigram_no_start_token", "bigram_probs", "s = [0, *seq, 0]", "s = [*seq, 0]",
           "the first letter has no '.' context"),
    Mutant("bigram_transposed", "bigram_probs", "counts[a, b] += 1", "counts[b, a] += 1",
           "counts indexed [next, previous]"),
    Mutant("bigram_normalise_columns", "bigram_probs", ".sum(dim=1, keepdim=True)", ".sum(dim=0, keepdim=True)",
           "normalised over the previous token instead of the next"),
    Mutant("bigram_joint_not_conditional", "bigram_probs", ".sum(dim=1, keepdim=True)", ".sum()",
           "joint probability of the pair instead of the conditional"),
    # --- bigram_scores
    Mutant("scores_bits_times_log2", "bigram_scores", "nats / math.log(2)", "nats * math.log(2)",
           "bits from nats with the conversion factor inverted"),
    Mutant("scores_perplexity_base2", "bigram_scores", "math.exp(nats)", "2 ** nats",
           "perplexity as 2 to the NLL in nats (mixes the bases)"),
    Mutant("scores_no_end_token", "bigram_scores", "s = [0, *seq, 0]", "s = [0, *seq]",
           "the end of the word is not predicted"),
    Mutant("scores_per_word", "bigram_scores", "nats = total / count", "nats = total / len(sequences)",
           "NLL per word instead of per predicted token"),
    Mutant("scores_per_letter", "bigram_scores", "nats = total / count", "nats = total / (count - len(sequences))",
           "divided by the number of letters, not of predictions"),
    Mutant("scores_without_context", "bigram_scores", "float(probs[a, b])", "float(probs[0, b])",
           "every token scored as if it started a word (a likelihood without context)"),
    # --- context_windows
    Mutant("windows_see_next_token", "context_windows",
           "torch.cat([torch.full((B, k - 1), pad, dtype=tokens.dtype), tokens], dim=1)",
           "torch.cat([torch.full((B, k - 1), pad, dtype=tokens.dtype), tokens[:, 1:], "
           "torch.full((B, 1), pad, dtype=tokens.dtype)], dim=1)",
           "window t ends with token t + 1: the model sees the token it predicts"),
    Mutant("windows_exclude_current", "context_windows", "torch.full((B, k - 1)", "torch.full((B, k)",
           "window t holds tokens t-k..t-1, not t"),
    Mutant("windows_reversed", "context_windows", "for i in range(k)", "for i in reversed(range(k))",
           "most recent token first"),
    Mutant("windows_pad_zero", "context_windows", "torch.full((B, k - 1), pad,", "torch.full((B, k - 1), 0,",
           "pad argument ignored"),
    Mutant("windows_roll_wraps", "context_windows",
           "windows = torch.stack([padded[:, i:i + T] for i in range(k)], dim=-1)",
           "windows = torch.stack([torch.roll(tokens, k - 1 - i, dims=1) for i in range(k)], dim=-1)",
           "torch.roll: the end of the sequence wraps around into the first windows"),
    # --- sequence_nll
    Mutant("nll_targets_not_shifted", "sequence_nll", "tokens[:, 1:, None]", "tokens[:, :-1, None]",
           "logits at t scored against token t (off by one)"),
    Mutant("nll_logits_shifted_wrong_way", "sequence_nll", "logits[:, :-1]", "logits[:, 1:]",
           "logits at t + 1 scored against token t + 1"),
    Mutant("nll_mask_not_shifted", "sequence_nll", "loss_mask[:, 1:]", "loss_mask[:, :-1]",
           "mask applied to the input positions instead of the targets"),
    Mutant("nll_mask_ignored", "sequence_nll", "loss = -(target_logp * mask).sum() / mask.sum()",
           "loss = -target_logp.mean()", "prompt and padding positions scored"),
    Mutant("nll_mean_over_all_positions", "sequence_nll", "/ mask.sum()", "/ mask.numel()",
           "masked sum divided by all positions"),
    Mutant("nll_mean_per_sequence", "sequence_nll", "-(target_logp * mask).sum() / mask.sum()",
           "-((target_logp * mask).sum(1) / mask.sum(1)).mean()", "mean per sequence, then over the batch"),
    Mutant("nll_log_of_softmax", "sequence_nll", "torch.log_softmax(logits[:, :-1], dim=-1)",
           "torch.log(torch.softmax(logits[:, :-1], dim=-1))", "log(softmax): -inf for large logits"),
    Mutant("nll_softmax_over_time", "sequence_nll", "torch.log_softmax(logits[:, :-1], dim=-1)",
           "torch.log_softmax(logits[:, :-1], dim=1)", "normalised over positions instead of the vocabulary"),
    Mutant("nll_detached", "sequence_nll", "torch.log_softmax(logits[:, :-1], dim=-1)",
           "torch.log_softmax(logits[:, :-1].detach(), dim=-1)", "no gradient reaches the model"),
    # --- filter_logits
    Mutant("top_p_cumsum_le_p", "filter_logits", _TOPP_KEEP.split("\n")[0],
           "        n_keep = (sorted_probs.cumsum(dim=-1) <= top_p).sum(dim=-1, keepdim=True).clamp(min=1)",
           "keeps tokens while the cumulative sum is <= p: drops the token that crosses p"),
    Mutant("top_p_ties_split", "filter_logits", _TOPP_KEEP,
           "        order = probs.argsort(dim=-1, descending=True)\n"
           "        remove = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, order, mass_before >= top_p)\n"
           "        out = out.masked_fill(remove, float(\"-inf\"))",
           "sorted positions removed one by one: a token tied with the last kept one is dropped"),
    Mutant("top_p_not_renormalised", "filter_logits", "probs = torch.softmax(out, dim=-1)",
           "probs = torch.softmax(logits, dim=-1)", "top-p on the full distribution, not on top-k's survivors"),
    Mutant("top_p_one_not_skipped", "filter_logits", "if top_p is not None and top_p < 1.0:",
           "if top_p is not None:", "top_p = 1 runs the filter, and rounding drops a token of tiny probability"),
    Mutant("top_p_before_top_k", "filter_logits", _TOPK_BLOCK + _TOPP_BLOCK, _TOPP_BLOCK + _TOPK_BLOCK,
           "top-p applied before top-k"),
    Mutant("top_k_exactly_k", "filter_logits", _TOPK,
           "        idx = torch.topk(out, top_k, dim=-1).indices\n"
           "        out = torch.full_like(out, float(\"-inf\")).scatter(-1, idx, out.gather(-1, idx))\n",
           "exactly k tokens kept: ties with the k-th largest logit are broken arbitrarily"),
    Mutant("top_k_strict", "filter_logits", "out.masked_fill(out < kth", "out.masked_fill(out <= kth",
           "the k-th largest logit itself removed (k - 1 kept)"),
    # --- sample_next_token
    Mutant("sample_temperature_zero_divides", "sample_next_token",
           "    if temperature == 0:\n        return logits.argmax(dim=-1)\n", "",
           "temperature 0 divides by zero"),
    Mutant("sample_temperature_multiplies", "sample_next_token", "logits / temperature", "logits * temperature",
           "logits multiplied by the temperature"),
    Mutant("sample_filter_before_temperature", "sample_next_token",
           "filter_logits(logits / temperature, top_k=top_k, top_p=top_p)",
           "filter_logits(logits, top_k=top_k, top_p=top_p) / temperature",
           "top-p computed on the untempered distribution"),
    Mutant("sample_ignores_filters", "sample_next_token",
           "filter_logits(logits / temperature, top_k=top_k, top_p=top_p)", "logits / temperature",
           "top-k and top-p ignored"),
    Mutant("sample_ignores_generator", "sample_next_token", "torch.multinomial(probs, 1, generator=generator)",
           "torch.multinomial(probs, 1)", "draw from the global generator: not reproducible"),
    Mutant("sample_always_argmax", "sample_next_token",
           "torch.multinomial(probs, 1, generator=generator).squeeze(-1)", "probs.argmax(dim=-1)",
           "returns the mode instead of a sample"),
    Mutant("sample_keeps_column", "sample_next_token",
           "torch.multinomial(probs, 1, generator=generator).squeeze(-1)",
           "torch.multinomial(probs, 1, generator=generator)", "shape (B, 1) instead of (B,)"),
    # --- greedy_decode
    Mutant("greedy_last_token_only", "greedy_decode", "torch.tensor([prompt + out]",
           "torch.tensor([(prompt + out)[-1:]]", "the model sees only the last token"),
    Mutant("greedy_forgets_prompt", "greedy_decode", "torch.tensor([prompt + out]",
           "torch.tensor([out if out else prompt]", "the prompt is dropped after the first token"),
    Mutant("greedy_eos_dropped", "greedy_decode",
           "        out.append(token)\n        if token == eos:\n            break\n",
           "        if token == eos:\n            break\n        out.append(token)\n", "eos not returned"),
    Mutant("greedy_never_stops", "greedy_decode", "            break\n", "            pass\n",
           "continues after eos"),
    Mutant("greedy_one_short", "greedy_decode", "range(max_new)", "range(max_new - 1)", "max_new - 1 tokens at most"),
    # --- beam_search
    Mutant("beam_raw_logits", "beam_search", _LOGP,
           "logp = next_logits(torch.tensor([prompt + seq], dtype=torch.long))[0].double()",
           "scores sum unnormalised logits"),
    Mutant("beam_context_without_prompt", "beam_search", "torch.tensor([prompt + seq]",
           "torch.tensor([prompt[-1:] + seq]", "only the prompt's last token in the context"),
    Mutant("beam_extends_finished", "beam_search", "(finished if seq[-1] == eos else beams).append((seq, score))",
           "beams.append((seq, score))", "hypotheses ending with eos stay in the beam and are extended"),
    Mutant("beam_length_without_eos", "beam_search", "key=lambda h: h[1] / len(h[0]) ** length_alpha",
           "key=lambda h: h[1] / max(len(h[0]) - (h[0][-1] == eos), 1) ** length_alpha",
           "length normalisation does not count eos"),
    Mutant("beam_final_choice_unnormalised", "beam_search", "key=lambda h: h[1] / len(h[0]) ** length_alpha",
           "key=lambda h: h[1]", "final choice by summed score, whatever alpha"),
    Mutant("beam_keeps_width_unfinished", "beam_search", _PRUNE,
           "        for seq, score in candidates:\n"
           "            if seq[-1] == eos:\n"
           "                finished.append((seq, score))\n"
           "            elif len(beams) < beam_width:\n"
           "                beams.append((seq, score))\n",
           "every eos candidate finished, and beam_width unfinished hypotheses kept"),
    Mutant("beam_drops_unfinished", "beam_search", "    finished += beams\n", "",
           "hypotheses that reach max_new are discarded"),
    Mutant("beam_width_one", "beam_search", "candidates[:beam_width]", "candidates[:1]", "greedy, whatever the width"),
    # --- numeric answers
    Mutant("answer_bits_in_nats", "numeric_answers", "answer_uniform_bits = math.log2(27)",
           "answer_uniform_bits = math.log(27)", "natural logarithm instead of bits"),
    Mutant("answer_bits_letters_only", "numeric_answers", "answer_uniform_bits = math.log2(27)",
           "answer_uniform_bits = math.log2(26)", "the boundary token not counted"),
    Mutant("answer_perplexity_no_end", "numeric_answers", "answer_bigram_perplexity = 16 ** (1 / 3)",
           "answer_bigram_perplexity = 8 ** (1 / 2)", "the final '.' not predicted"),
    Mutant("answer_perplexity_per_letter", "numeric_answers", "answer_bigram_perplexity = 16 ** (1 / 3)",
           "answer_bigram_perplexity = 16 ** (1 / 2)", "divided by the two letters instead of three predictions"),
    Mutant("answer_top_p_drops_crossing", "numeric_answers", "answer_top_p_kept = 4", "answer_top_p_kept = 3",
           "the token that crosses p dropped"),

    # --- correct alternative forms: full marks
    Mutant("eq_bigram_bincount", "bigram_probs",
           "    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)\n"
           "    for seq in sequences:\n"
           "        s = [0, *seq, 0]\n"
           "        for a, b in zip(s[:-1], s[1:]):\n"
           "            counts[a, b] += 1\n",
           "    prev = torch.tensor([a for seq in sequences for a in [0, *seq]], dtype=torch.long)\n"
           "    nxt = torch.tensor([b for seq in sequences for b in [*seq, 0]], dtype=torch.long)\n"
           "    counts = torch.bincount(prev * vocab_size + nxt, minlength=vocab_size**2)\n"
           "    counts = counts.reshape(vocab_size, vocab_size).double()\n",
           "counts with bincount"),
    Mutant("eq_bigram_float32", "bigram_probs", "dtype=torch.float64)", "dtype=torch.float32)",
           "float32 probabilities"),
    Mutant("eq_scores_log2", "bigram_scores", "bits, perplexity = nats / math.log(2), math.exp(nats)",
           "bits = nats * math.log2(math.e)\n    perplexity = 2 ** bits", "bits first, perplexity as 2 to the bits"),
    Mutant("eq_scores_tensor", "bigram_scores",
           "    total, count = 0.0, 0\n"
           "    for seq in sequences:\n"
           "        s = [0, *seq, 0]\n"
           "        for a, b in zip(s[:-1], s[1:]):\n"
           "            total -= math.log(float(probs[a, b]))\n"
           "            count += 1\n"
           "    nats = total / count\n",
           "    prev = torch.tensor([a for seq in sequences for a in [0, *seq]])\n"
           "    nxt = torch.tensor([b for seq in sequences for b in [*seq, 0]])\n"
           "    nats = float(-torch.log(probs[prev, nxt].double()).mean())\n",
           "vectorised gather of the pair probabilities"),
    Mutant("eq_windows_unfold", "context_windows",
           "windows = torch.stack([padded[:, i:i + T] for i in range(k)], dim=-1)",
           "windows = padded.unfold(1, k, 1)", "Tensor.unfold"),
    Mutant("eq_nll_cross_entropy", "sequence_nll",
           "    logp = torch.log_softmax(logits[:, :-1], dim=-1)\n"
           "    target_logp = logp.gather(-1, tokens[:, 1:, None]).squeeze(-1)\n"
           "    mask = loss_mask[:, 1:].to(logp.dtype)\n"
           "    loss = -(target_logp * mask).sum() / mask.sum()\n",
           "    targets = tokens[:, 1:].masked_fill(~loss_mask[:, 1:], -100)\n"
           "    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),\n"
           "                                             targets.reshape(-1), ignore_index=-100)\n",
           "library cross-entropy with ignore_index"),
    Mutant("eq_nll_boolean_index", "sequence_nll", "loss = -(target_logp * mask).sum() / mask.sum()",
           "loss = -target_logp[loss_mask[:, 1:]].mean()", "boolean indexing of the targets"),
    Mutant("eq_top_p_pairwise", "filter_logits",
           "        sorted_probs = probs.sort(dim=-1, descending=True).values\n"
           "        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs\n" + _TOPP_KEEP,
           "        above = (probs.unsqueeze(-2) * (probs.unsqueeze(-2) > probs.unsqueeze(-1))).sum(-1)\n"
           "        out = out.masked_fill(above >= top_p, float(\"-inf\"))",
           "the definition, token by token: mass of the strictly more probable tokens"),
    Mutant("eq_top_k_sort", "filter_logits", "torch.topk(out, top_k, dim=-1).values[..., -1:]",
           "torch.sort(out, dim=-1, descending=True).values[..., top_k - 1:top_k]", "k-th largest by sorting"),
    Mutant("eq_sample_gumbel_max", "sample_next_token",
           "    probs = torch.softmax(scaled, dim=-1)\n"
           "    tokens = torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n",
           "    u = torch.rand(scaled.shape, generator=generator, dtype=scaled.dtype).clamp(min=1e-20)\n"
           "    tokens = (scaled - torch.log(-torch.log(u))).argmax(dim=-1)\n",
           "the Gumbel-max trick draws exactly from the softmax"),
    Mutant("eq_sample_inverse_cdf", "sample_next_token",
           "    tokens = torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n",
           "    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)\n"
           "    tokens = (probs.cumsum(dim=-1) <= u).sum(dim=-1).clamp(max=probs.shape[-1] - 1)\n",
           "inverse-CDF sampling"),
    Mutant("eq_greedy_while", "greedy_decode", _GREEDY,
           "    out = []\n"
           "    while len(out) < max_new and (not out or out[-1] != eos):\n"
           "        seq = torch.tensor(prompt + out).unsqueeze(0)\n"
           "        out.append(next_logits(seq).argmax(dim=-1).item())\n",
           "a while loop"),
    Mutant("eq_beam_prune_normalised", "beam_search", "candidates.sort(key=lambda c: c[1], reverse=True)",
           "candidates.sort(key=lambda c: c[1] / len(c[0]) ** length_alpha, reverse=True)",
           "candidates of one step have the same length, so normalising them changes no ranking"),
    Mutant("eq_beam_float32_scores", "beam_search", "[0].double(), dim=-1)", "[0], dim=-1)",
           "log-probabilities in the model's float32: the scores agree to about 1e-6"),
    Mutant("eq_answers_decimal", "numeric_answers",
           "answer_uniform_bits = math.log2(27)\nanswer_bigram_perplexity = 16 ** (1 / 3)",
           "answer_uniform_bits = 4.75\nanswer_bigram_perplexity = 2.52", "three significant digits"),
]
