"""Plausible wrong answers to the state-space-model lab, and correct alternative forms.

A bug must lose points in at most two test cells; an ``eq_`` variant must keep
full marks. Run ``python -m grader mutants ssm`` to see the table.

Every entry re-runs the cells after its own, the trained comparison last, so the
list is kept to the bugs a student is most likely to write (each named pitfall of
the chapter has one) and the correct forms most likely to be flagged wrongly.
"""

from grader.mutants import Mutant

_HS_LOOP = ("    while step < T:\n"
            "        combined = combine(tuple(x[:T - step] for x in out), tuple(x[step:] for x in out))\n"
            "        out = tuple(torch.cat([x[:step], c], dim=0) for x, c in zip(out, combined))\n"
            "        step *= 2\n")

_BLELLOCH = '''    def _scan(xs):
        n = xs[0].shape[0]
        if n == 1:
            return xs
        m = n // 2
        pairs = combine(tuple(x[0:2 * m:2] for x in xs), tuple(x[1:2 * m:2] for x in xs))
        odd = _scan(pairs)
        if n > 2:
            even_rest = combine(tuple(o[:(n - 1) // 2] for o in odd), tuple(x[2::2] for x in xs))
        result = []
        for i, x in enumerate(xs):
            full = torch.empty_like(x)
            full[0] = x[0]
            full[1:2 * m:2] = odd[i]
            if n > 2:
                full[2::2] = even_rest[i]
            result.append(full)
        return tuple(result)
    out = _scan(tuple(elems))
'''

_SEQ_SCAN = ("    out, acc = [], None\n"
             "    for t in range(T):\n"
             "        cur = tuple(x[t:t + 1] for x in elems)\n"
             "        acc = cur if acc is None else combine(acc, cur)\n"
             "        out.append(acc)\n"
             "    out = tuple(torch.cat([o[i] for o in out]) for i in range(len(elems)))\n")

_SSD_LINES = ('''    log_cum = torch.cumsum(torch.log(a), dim=0)
    diff = log_cum[:, None] - log_cum[None, :]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    decay = torch.exp(diff.masked_fill(~causal, float("-inf")))
''')

MUTANTS = [
    # --- discretize_zoh
    Mutant("zoh_euler_B", "discretize_zoh", "B_bar = (A_bar - 1) / A * B", "B_bar = delta * B",
           "Euler B_bar = delta B (Mamba's reference code) instead of the graded ZOH"),
    Mutant("zoh_euler_A", "discretize_zoh", "A_bar = torch.exp(delta * A)", "A_bar = 1 + delta * A",
           "Euler A_bar = 1 + delta A"),
    Mutant("zoh_B_without_delta", "discretize_zoh", "B_bar = (A_bar - 1) / A * B",
           "B_bar = (torch.exp(A) - 1) / A * B", "exp(A) - 1 instead of exp(delta A) - 1"),
    Mutant("zoh_A_wrong_place", "discretize_zoh", "B_bar = (A_bar - 1) / A * B", "B_bar = (A_bar - 1) * A * B",
           "multiplies by A instead of dividing"),
    Mutant("zoh_bilinear", "discretize_zoh", "A_bar = torch.exp(delta * A)",
           "A_bar = (1 + delta * A / 2) / (1 - delta * A / 2)", "bilinear (S4's) A_bar instead of ZOH"),
    # --- s4d_kernel
    Mutant("kernel_starts_at_A_bar", "s4d_kernel", "lags = torch.arange(L, dtype=A_bar.dtype)",
           "lags = torch.arange(1, L + 1, dtype=A_bar.dtype)", "K_0 = C A_bar B_bar: lags start at 1"),
    Mutant("kernel_without_B_bar", "s4d_kernel", "torch.einsum(\"dn,dnl->dl\", C * B_bar, powers)",
           "torch.einsum(\"dn,dnl->dl\", C, powers)", "B_bar forgotten"),
    Mutant("kernel_detached", "s4d_kernel", "powers = A_bar[..., None] ** lags",
           "powers = A_bar.detach()[..., None] ** lags", "A_bar detached: no gradient to the decays"),
    # --- causal_conv_fft
    Mutant("fft_circular", "causal_conv_fft",
           "    u_f = torch.fft.rfft(u, n=2 * L, dim=1)\n    K_f = torch.fft.rfft(K.T, n=2 * L, dim=0)\n"
           "    y = torch.fft.irfft(u_f * K_f, n=2 * L, dim=1)[:, :L]\n",
           "    u_f = torch.fft.rfft(u, n=L, dim=1)\n    K_f = torch.fft.rfft(K.T, n=L, dim=0)\n"
           "    y = torch.fft.irfft(u_f * K_f, n=L, dim=1)\n", "no zero padding: circular convolution"),
    Mutant("fft_keeps_last_L", "causal_conv_fft", "n=2 * L, dim=1)[:, :L]", "n=2 * L, dim=1)[:, L:]",
           "keeps the last L outputs of the padded convolution"),
    Mutant("fft_kernel_flipped", "causal_conv_fft", "torch.fft.rfft(K.T, n=2 * L, dim=0)",
           "torch.fft.rfft(K.T.flip(0), n=2 * L, dim=0)", "kernel reversed (correlation instead of convolution)"),
    # --- selective_scan
    Mutant("scan_output_before_update", "selective_scan",
           "        h = A_bar * h + B_bar * u[:, t, :, None]\n        ys.append(torch.einsum(\"bdn,bn->bd\", h, C[:, t]))\n",
           "        ys.append(torch.einsum(\"bdn,bn->bd\", h, C[:, t]))\n        h = A_bar * h + B_bar * u[:, t, :, None]\n",
           "off by one: output read before the state update"),
    Mutant("scan_B_C_swapped", "selective_scan", "torch.einsum(\"bdn,bn->bd\", h, C[:, t])",
           "torch.einsum(\"bdn,bn->bd\", h, B[:, t])", "reads the state out with B instead of C"),
    Mutant("scan_time_reversed", "selective_scan", "for t in range(L):", "for t in reversed(range(L)):",
           "scans from the end: anti-causal"),
    Mutant("scan_in_place", "selective_scan", "h = A_bar * h + B_bar * u[:, t, :, None]",
           "h.mul_(A_bar).add_(B_bar * u[:, t, :, None])", "in-place state update breaks backpropagation"),
    # --- affine_combine
    Mutant("combine_order_swapped", "affine_combine", "b = a2 * b1 + b2", "b = a1 * b2 + b1",
           "applies second before first"),
    # --- associative_scan
    Mutant("scan_powers_of_two_only", "associative_scan", "    while step < T:\n",
           "    for _ in range(int(math.log2(T))):\n", "log2(T) rounded down: the last level is missing unless T is a power of 2"),
    Mutant("scan_operands_swapped", "associative_scan",
           "combine(tuple(x[:T - step] for x in out), tuple(x[step:] for x in out))",
           "combine(tuple(x[step:] for x in out), tuple(x[:T - step] for x in out))", "later element first"),
    Mutant("scan_prefix_from_elems", "associative_scan", "torch.cat([x[:step], c], dim=0) for x, c in zip(out, combined)",
           "torch.cat([e[:step], c], dim=0) for e, c in zip(elems, combined)", "the first entries copied from elems, not the running result"),
    Mutant("scan_sequential", "associative_scan", _HS_LOOP, _SEQ_SCAN,
           "a sequential loop: right values, T - 1 calls of combine (not a parallel scan)"),
    Mutant("scan_exclusive", "associative_scan", "        step *= 2\n",
           "        step *= 2\n    out = tuple(torch.cat([e[:1], o[:-1]], dim=0) for e, o in zip(elems, out))\n",
           "exclusive scan (entry t combines e_0..e_(t-1), with e_0 first)"),
    # --- selective_scan_parallel
    Mutant("parallel_scans_batch", "selective_scan_parallel",
           "    a = A_bar.transpose(0, 1)\n    bu = (B_bar * u[..., None]).transpose(0, 1)\n",
           "    a = A_bar\n    bu = B_bar * u[..., None]\n", "scans over the batch dimension (time not moved to dimension 0)"),
    Mutant("parallel_takes_first_component", "selective_scan_parallel", "_, h = associative_scan", "h, _ = associative_scan",
           "reads the cumulative decays instead of the states"),
    Mutant("parallel_input_forgotten", "selective_scan_parallel", "bu = (B_bar * u[..., None]).transpose(0, 1)",
           "bu = B_bar.transpose(0, 1)", "the input u is left out of the scanned pairs"),
    # --- selective_params
    Mutant("params_no_softplus", "selective_params",
           "delta = torch.nn.functional.softplus(x @ W_delta + b_delta)", "delta = x @ W_delta + b_delta",
           "delta without softplus: negative step sizes"),
    Mutant("params_exp", "selective_params",
           "delta = torch.nn.functional.softplus(x @ W_delta + b_delta)", "delta = torch.exp(x @ W_delta + b_delta)",
           "exp instead of softplus"),
    Mutant("params_bias_outside", "selective_params",
           "delta = torch.nn.functional.softplus(x @ W_delta + b_delta)",
           "delta = torch.nn.functional.softplus(x @ W_delta) + b_delta", "bias added after the softplus"),
    Mutant("params_naive_softplus", "selective_params",
           "delta = torch.nn.functional.softplus(x @ W_delta + b_delta)",
           "delta = torch.log(1 + torch.exp(x @ W_delta + b_delta))", "softplus that overflows to inf for large inputs"),
    # --- ssd_quadratic
    Mutant("ssd_includes_a_s", "ssd_quadratic", "log_cum = torch.cumsum(torch.log(a), dim=0)\n",
           "log_cum = torch.cumsum(torch.log(a), dim=0) - torch.log(a)\n", "product from r = s to t (a_s included)"),
    Mutant("ssd_not_causal", "ssd_quadratic", "causal = torch.ones(T, T, dtype=torch.bool).tril()",
           "causal = torch.ones(T, T, dtype=torch.bool)", "no causal mask"),
    Mutant("ssd_mask_after_exp", "ssd_quadratic", "decay = torch.exp(diff.masked_fill(~causal, float(\"-inf\")))",
           "decay = torch.exp(diff) * causal", "exponentiates before masking: inf * 0 = nan for strong decay"),
    # --- numeric answers
    Mutant("answer_b_bar_euler", "numeric_answers", "answer_b_bar = 1.5 * (1 - math.exp(-1))", "answer_b_bar = 1.5",
           "Euler b_bar = delta b"),
    Mutant("answer_k3_euler", "numeric_answers",
           "answer_kernel_k3 = 0.5 / math.log(2) / 8 + 2 * 0.375 / math.log(2) / 64",
           "answer_kernel_k3 = math.log(2) / 8 + 2 * math.log(4) / 64", "Euler B_bar = delta B in K_3"),

    # --- correct alternative forms
    Mutant("eq_zoh_expm1", "discretize_zoh", "B_bar = (A_bar - 1) / A * B", "B_bar = torch.expm1(delta * A) / A * B",
           "expm1: the accurate form of exp(x) - 1"),
    Mutant("eq_zoh_exp_power", "discretize_zoh", "A_bar = torch.exp(delta * A)", "A_bar = torch.exp(A) ** delta",
           "exp(A)^delta = exp(delta A)"),
    Mutant("eq_kernel_cumprod_loop", "s4d_kernel",
           "    lags = torch.arange(L, dtype=A_bar.dtype)\n    powers = A_bar[..., None] ** lags\n"
           "    K = torch.einsum(\"dn,dnl->dl\", C * B_bar, powers)\n",
           "    cols, p = [], B_bar\n    for _ in range(L):\n        cols.append((C * p).sum(-1))\n        p = p * A_bar\n"
           "    K = torch.stack(cols, dim=-1)\n", "the recurrence on the impulse, as a loop"),
    Mutant("eq_fft_complex", "causal_conv_fft",
           "    u_f = torch.fft.rfft(u, n=2 * L, dim=1)\n    K_f = torch.fft.rfft(K.T, n=2 * L, dim=0)\n"
           "    y = torch.fft.irfft(u_f * K_f, n=2 * L, dim=1)[:, :L]\n",
           "    u_f = torch.fft.fft(u, n=2 * L, dim=1)\n    K_f = torch.fft.fft(K.T, n=2 * L, dim=0)\n"
           "    y = torch.fft.ifft(u_f * K_f, dim=1)[:, :L].real\n", "complex FFT, real part"),
    Mutant("eq_fft_irfft_default_length", "causal_conv_fft", "torch.fft.irfft(u_f * K_f, n=2 * L, dim=1)",
           "torch.fft.irfft(u_f * K_f, dim=1)", "irfft's default length 2 (L + 1 - 1) = 2L"),
    Mutant("eq_scan_inline_discretisation", "selective_scan",
           "        A_bar, B_bar = discretize_zoh(A, B[:, t, None, :], delta[:, t, :, None])\n",
           "        dA = delta[:, t, :, None] * A\n        A_bar = torch.exp(dA)\n"
           "        B_bar = torch.expm1(dA) / A * B[:, t, None, :]\n", "discretises inline instead of calling discretize_zoh"),
    Mutant("eq_scan_blelloch", "associative_scan", "    out = tuple(elems)\n    step = 1\n" + _HS_LOOP, _BLELLOCH,
           "recursive odd-even (Blelloch-style) scan, any length"),
    Mutant("eq_parallel_movedim", "selective_scan_parallel",
           "    a = A_bar.transpose(0, 1)\n    bu = (B_bar * u[..., None]).transpose(0, 1)\n",
           "    a = A_bar.movedim(1, 0)\n    bu = torch.movedim(B_bar * u.unsqueeze(-1), 1, 0)\n", "movedim instead of transpose"),
    Mutant("eq_params_logaddexp", "selective_params", "delta = torch.nn.functional.softplus(x @ W_delta + b_delta)",
           "delta = torch.logaddexp(x @ W_delta + b_delta, torch.zeros((), dtype=x.dtype))", "softplus(z) = log(e^z + e^0)"),
    Mutant("eq_ssd_products_loop", "ssd_quadratic", _SSD_LINES,
           "    decay = torch.zeros(T, T, dtype=x.dtype)\n    for t in range(T):\n"
           "        for s in range(t + 1):\n            decay[t, s] = torch.prod(a[s + 1:t + 1])\n",
           "the products written out (a quadratic loop; correct)"),
    Mutant("ssd_cumprod_ratio_underflows", "ssd_quadratic", _SSD_LINES,
           "    cp = torch.cumprod(a, dim=0)\n"
           "    decay = torch.tril(cp[:, None] / cp[None, :])\n",
           "ratio of cumulative products: 0/0 once the products underflow (a = 0.01, T = 200)"),
]
