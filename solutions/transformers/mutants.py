"""Plausible wrong answers to the transformers lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants transformers`` to see the table.
"""

from grader.mutants import Mutant

_MASK = 'scores = scores.masked_fill(key_pos > query_pos, float("-inf"))'
_ROPE = ("    out = torch.empty_like(x)\n"
         "    out[..., 0::2] = x_even * cos - x_odd * sin\n"
         "    out[..., 1::2] = x_even * sin + x_odd * cos\n")
_CACHE = ('        if "k" in cache:\n'
          '            k = torch.cat([cache["k"], k], dim=2)\n'
          '            v = torch.cat([cache["v"], v], dim=2)\n'
          '        cache["k"], cache["v"] = k, v\n')
_STEP = "logits = model(next_token, multi_head_attention, tokens.shape[1] - 1, caches)[:, -1]"

MUTANTS = [
    # --- attention
    Mutant("mask_finite_minus_1e4", "attention", 'float("-inf")', "-1e4",
           "finite mask value: large logits (x 1e5) see the future"),
    Mutant("mask_triu_sees_future", "attention", "key_pos > query_pos", "key_pos < query_pos",
           "upper instead of lower triangle: each query sees the future and not the past"),
    Mutant("mask_excludes_diagonal", "attention", "key_pos > query_pos", "key_pos >= query_pos",
           "a query may not see its own key (the first row is all -inf: NaN)"),
    Mutant("mask_top_left_aligned", "attention", "[:, None] + (t_k - t_q)", "[:, None]",
           "with T_q < T_k the queries are taken as the first positions (a cached step sees one key)"),
    Mutant("scale_by_d", "attention", "/ math.sqrt(q.shape[-1])", "/ q.shape[-1]",
           "scores divided by d instead of sqrt(d)"),
    Mutant("scale_by_sqrt_d_model", "attention", "math.sqrt(q.shape[-1])", "math.sqrt(q.shape[-1] * q.shape[-3])",
           "scaled by sqrt(d_model) = sqrt(n_heads * d_head) instead of sqrt(d_head)"),
    Mutant("scale_missing", "attention", "/ math.sqrt(q.shape[-1])", "",
           "no 1/sqrt(d) scale"),
    Mutant("softmax_over_queries", "attention", "torch.softmax(scores, dim=-1)", "torch.softmax(scores, dim=-2)",
           "softmax over the queries instead of the keys"),
    Mutant("causal_flag_ignored", "attention", "if causal:", "if True:",
           "the mask is applied even when causal=False"),
    Mutant("scale_by_sqrt_d_v", "attention", "math.sqrt(q.shape[-1])", "math.sqrt(v.shape[-1])",
           "scaled by the value dimension instead of the query/key dimension"),
    # --- split_heads, merge_heads
    Mutant("split_reshape_without_transpose", "heads",
           "x.reshape(b, t, n_heads, d // n_heads).transpose(1, 2)", "x.reshape(b, n_heads, t, d // n_heads)",
           "reshape straight to (batch, n_heads, T, d_head): mixes positions and heads"),
    Mutant("split_strided_heads", "heads",
           "x.reshape(b, t, n_heads, d // n_heads).transpose(1, 2)",
           "x.reshape(b, t, d // n_heads, n_heads).permute(0, 3, 1, 2)",
           "head h gets every n_heads-th feature instead of a contiguous block"),
    Mutant("merge_without_transpose", "heads", "x.transpose(1, 2).reshape(b, t, h * dh)", "x.reshape(b, t, h * dh)",
           "merge reshapes (batch, n_heads, T, d_head) without moving the head axis back"),
    # --- rope
    Mutant("rope_half_split_pairing", "rope", "x[..., 0::2], x[..., 1::2]", "x[..., : d // 2], x[..., d // 2:]",
           "pairs (x_i, x_{i+d/2}) (Llama's rotate_half) written back interleaved"),
    Mutant("rope_half_split_both_ways", "rope", _ROPE,
           "    out = torch.cat([x_even * cos - x_odd * sin, x_even * sin + x_odd * cos], dim=-1)\n",
           "interleaved pairs read, but written back as two halves"),
    Mutant("rope_frequency_factor_two", "rope", "torch.arange(0, d, 2, dtype=x.dtype) / d",
           "torch.arange(0, d // 2, dtype=x.dtype) / d", "omega_i = base^(-i/d) instead of base^(-2i/d)"),
    Mutant("rope_rotation_clockwise", "rope", _ROPE,
           "    out = torch.empty_like(x)\n"
           "    out[..., 0::2] = x_even * cos + x_odd * sin\n"
           "    out[..., 1::2] = -x_even * sin + x_odd * cos\n",
           "rotation by -m omega (clockwise)"),
    Mutant("rope_positions_from_one", "rope", "positions.to(x.dtype)[:, None]", "(positions.to(x.dtype)[:, None] + 1)",
           "positions counted from 1: R_0 is not the identity"),
    Mutant("rope_frequency_exponent_sign", "rope", "base ** (-torch.arange", "base ** (torch.arange",
           "frequencies base^(+2i/d) instead of base^(-2i/d)"),
    Mutant("rope_angle_in_degrees", "rope", "cos, sin = torch.cos(angle), torch.sin(angle)",
           "cos, sin = torch.cos(angle * math.pi / 180), torch.sin(angle * math.pi / 180)",
           "angles taken as degrees"),
    # --- multi_head_attention
    Mutant("mha_rope_offset_forgotten", "multi_head_attention", "torch.arange(start, start + x.shape[1]",
           "torch.arange(0, x.shape[1]", "positions restart at 0 on every call: the cached steps are rotated wrongly"),
    Mutant("mha_cache_prepended", "multi_head_attention", _CACHE,
           '        if "k" in cache:\n'
           '            k = torch.cat([k, cache["k"]], dim=2)\n'
           '            v = torch.cat([v, cache["v"]], dim=2)\n'
           '        cache["k"], cache["v"] = k, v\n',
           "new keys put before the cached ones"),
    Mutant("mha_cache_keeps_only_new", "multi_head_attention", _CACHE,
           '        new_k, new_v = k, v\n'
           '        if "k" in cache:\n'
           '            k = torch.cat([cache["k"], k], dim=2)\n'
           '            v = torch.cat([cache["v"], v], dim=2)\n'
           '        cache["k"], cache["v"] = new_k, new_v\n',
           "the cache stores only the last call's keys and values"),
    Mutant("mha_cache_ignored", "multi_head_attention", "if cache is not None:", "if False:",
           "the cache is never read or written"),
    Mutant("mha_rope_on_queries_only", "multi_head_attention", "q, k = rope(q, positions), rope(k, positions)",
           "q = rope(q, positions)", "keys not rotated"),
    Mutant("mha_rope_flag_ignored", "multi_head_attention", "if layer.rope:", "if True:",
           "queries and keys rotated even in a layer without RoPE"),
    Mutant("mha_output_projection_missing", "multi_head_attention", "layer.wo(merge_heads(attention(q, k, v, causal=True)))",
           "merge_heads(attention(q, k, v, causal=True))", "the output projection wo is forgotten"),
    Mutant("mha_not_causal", "multi_head_attention", "causal=True)", "causal=False)",
           "self-attention without the causal mask: the model sees the future"),
    Mutant("mha_rope_on_values", "multi_head_attention", "q, k = rope(q, positions), rope(k, positions)",
           "q, k, v = rope(q, positions), rope(k, positions), rope(v, positions)", "values rotated too"),
    # --- generate
    Mutant("gen_step_without_cache", "generate", _STEP,
           "logits = model(next_token, multi_head_attention, tokens.shape[1] - 1, None)[:, -1]",
           "each step runs the last token alone, without the cache"),
    Mutant("gen_step_position_zero", "generate", _STEP,
           "logits = model(next_token, multi_head_attention, 0, caches)[:, -1]",
           "the new token is fed at position 0 (RoPE offset forgotten)"),
    Mutant("gen_step_position_off_by_one", "generate", _STEP,
           "logits = model(next_token, multi_head_attention, tokens.shape[1], caches)[:, -1]",
           "the new token is fed one position too far"),
    Mutant("gen_full_recomputation", "generate", _STEP,
           "logits = model(tokens, multi_head_attention)[:, -1]",
           "the whole sequence recomputed at every step: right tokens, no cache"),
    Mutant("gen_first_position_logits", "generate", "logits = model(prompt, multi_head_attention, 0, caches)[:, -1]",
           "logits = model(prompt, multi_head_attention, 0, caches)[:, 0]",
           "the first token chosen from the logits at the first prompt position"),
    Mutant("gen_logits_after_choice", "generate",
           "        step_logits.append(logits)\n        next_token = logits.argmax(dim=-1, keepdim=True)\n"
           "        tokens = torch.cat([tokens, next_token], dim=1)\n"
           "        if i < n_new - 1:\n            " + _STEP + "\n",
           "        next_token = logits.argmax(dim=-1, keepdim=True)\n"
           "        tokens = torch.cat([tokens, next_token], dim=1)\n"
           "        " + _STEP + "\n        step_logits.append(logits)\n",
           "returns the logits of the step after each token instead of those it was chosen from"),
    # --- grouped_query_attention
    Mutant("gqa_tiled_groups", "grouped_query_attention", "k = k.repeat_interleave(group, dim=1)\n    v = v.repeat_interleave(group, dim=1)",
           "k = k.repeat(1, group, 1, 1)\n    v = v.repeat(1, group, 1, 1)",
           "kv heads tiled (query head h uses kv head h % n_kv) instead of grouped"),
    Mutant("gqa_causal_dropped", "grouped_query_attention", "attention(q, k, v, causal=causal)", "attention(q, k, v)",
           "the causal flag is not passed on"),
    # --- numeric answers
    Mutant("params_without_biases", "numeric_answers", "(128 * 512 + 512) + (512 * 128 + 128)", "(128 * 512) + (512 * 128)",
           "MLP biases forgotten"),
    Mutant("params_without_layer_norms", "numeric_answers", " + 2 * 2 * 128\n", "\n",
           "layer-norm parameters forgotten"),
    Mutant("kv_cache_keys_only", "numeric_answers", "2 * 24 * 16 * 64 * 8 * 2048", "24 * 16 * 64 * 8 * 2048",
           "values forgotten in the cache"),
    Mutant("cache_speedup_full_squares", "numeric_answers",
           "(127 * 128 * 129 / 6 - 27 * 28 * 29 / 6) / (127 * 128 / 2)",
           "(127 * 128 * 255 / 6 - 27 * 28 * 55 / 6) / (127 * 128 / 2)",
           "unmasked products counted as n^2 per pass instead of n (n + 1) / 2"),
    Mutant("cache_speedup_one_over_n", "numeric_answers",
           "(127 * 128 * 129 / 6 - 27 * 28 * 29 / 6) / (127 * 128 / 2)", "100 / 2",
           "the speed-up guessed as N / 2"),

    # --- correct alternative forms
    Mutant("eq_attention_sdpa", "attention",
           "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
           "    if causal:\n"
           "        query_pos = torch.arange(t_q, device=q.device)[:, None] + (t_k - t_q)\n"
           "        key_pos = torch.arange(t_k, device=q.device)[None, :]\n"
           "        " + _MASK + "\n"
           "    out = torch.softmax(scores, dim=-1) @ v\n",
           "    mask = torch.ones(t_q, t_k, dtype=torch.bool).tril(diagonal=t_k - t_q) if causal else None\n"
           "    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n",
           "PyTorch's fused attention with a bottom-right boolean mask"),
    Mutant("eq_attention_finfo_min", "attention", 'float("-inf")', "torch.finfo(scores.dtype).min",
           "the most negative finite float as the mask value (exp underflows to exactly 0)"),
    Mutant("eq_attention_where_and_stable_softmax", "attention",
           "        " + _MASK + "\n    out = torch.softmax(scores, dim=-1) @ v\n",
           "        scores = torch.where(key_pos <= query_pos, scores, torch.full_like(scores, -math.inf))\n"
           "    w = torch.exp(scores - scores.amax(dim=-1, keepdim=True))\n"
           "    out = (w / w.sum(dim=-1, keepdim=True)) @ v\n",
           "torch.where mask and a hand-written stable softmax"),
    Mutant("eq_heads_view_permute", "heads",
           "x.reshape(b, t, n_heads, d // n_heads).transpose(1, 2)", "x.view(b, t, n_heads, -1).permute(0, 2, 1, 3)",
           "view and permute"),
    Mutant("eq_merge_cat_heads", "heads", "x.transpose(1, 2).reshape(b, t, h * dh)", "torch.cat(x.unbind(1), dim=-1)",
           "concatenate the heads along the features"),
    Mutant("eq_rope_complex", "rope",
           "    cos, sin = torch.cos(angle), torch.sin(angle)\n"
           "    x_even, x_odd = x[..., 0::2], x[..., 1::2]\n" + _ROPE,
           "    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], d // 2, 2).contiguous())\n"
           "    out = torch.view_as_real(xc * torch.polar(torch.ones_like(angle), angle)).reshape(x.shape)\n",
           "pairs as complex numbers multiplied by e^{i m omega}"),
    Mutant("eq_rope_stack_flatten", "rope", _ROPE,
           "    out = torch.stack([x_even * cos - x_odd * sin, x_even * sin + x_odd * cos], dim=-1).flatten(-2)\n",
           "stack the rotated pairs and flatten"),
    Mutant("eq_rope_float32_angles", "rope",
           "omega = base ** (-torch.arange(0, d, 2, dtype=x.dtype) / d)\n"
           "    angle = positions.to(x.dtype)[:, None] * omega\n",
           "omega = 1.0 / base ** (torch.arange(0, d, 2).float() / d)\n"
           "    angle = torch.outer(positions.float(), omega).to(x.dtype)\n",
           "angles computed in float32 (as most code does) and cast"),
    Mutant("eq_mha_cache_get", "multi_head_attention", _CACHE,
           '        if cache.get("k") is not None:\n'
           '            k, v = torch.cat((cache["k"], k), 2), torch.cat((cache["v"], v), 2)\n'
           '        cache.update(k=k, v=v)\n',
           "dict.get and update"),
    Mutant("eq_gen_extra_final_step", "generate", "        if i < n_new - 1:\n            " + _STEP + "\n",
           "        " + _STEP + "\n",
           "one wasted model call after the last token"),
    Mutant("eq_gqa_broadcast_groups", "grouped_query_attention",
           "    k = k.repeat_interleave(group, dim=1)\n"
           "    v = v.repeat_interleave(group, dim=1)\n"
           "    out = attention(q, k, v, causal=causal)\n",
           "    b, h, t, d = q.shape\n"
           "    qg = q.reshape(b, k.shape[1], group, t, d)\n"
           "    out = attention(qg, k[:, :, None], v[:, :, None], causal=causal).reshape(b, h, t, -1)\n",
           "query heads grouped in a new axis, keys broadcast over it"),
    Mutant("eq_gqa_index", "grouped_query_attention",
           "    k = k.repeat_interleave(group, dim=1)\n    v = v.repeat_interleave(group, dim=1)\n",
           "    idx = torch.arange(q.shape[1]) // group\n    k, v = k[:, idx], v[:, idx]\n",
           "kv head of each query head by integer division"),
    Mutant("eq_answers_literals", "numeric_answers",
           "answer_block_parameters = 4 * 128**2 + (128 * 512 + 512) + (512 * 128 + 128) + 2 * 2 * 128\n"
           "answer_kv_cache_floats = 2 * 24 * 16 * 64 * 8 * 2048\n"
           "answer_cache_speedup = (127 * 128 * 129 / 6 - 27 * 28 * 29 / 6) / (127 * 128 / 2)",
           "answer_block_parameters = 197760.0\nanswer_kv_cache_floats = 805306368\nanswer_cache_speedup = 42.55",
           "the numbers as literals, rounded"),
]
