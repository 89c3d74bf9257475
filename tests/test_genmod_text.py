"""Unit tests for ``genmod.text``: the vocabulary, the offline word corpus, the batches and the window network."""

import pytest
import torch

from genmod import text


def test_vocabulary_puts_the_boundary_first_and_round_trips_words():
    vocab = text.CharVocab()
    assert len(vocab) == 27 and vocab.boundary == 0 and vocab.itos[0] == "."
    assert vocab.encode("abz") == [1, 2, 26]
    assert vocab.decode(vocab.encode("tibetisch")) == "tibetisch"
    with_sep = text.CharVocab(extra=text.SEPARATOR)
    assert len(with_sep) == 28 and with_sep.stoi["="] == 27
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("a=b")
    with pytest.raises(ValueError, match="distinct"):
        text.CharVocab(chars="aab")


def test_word_corpus_is_offline_sorted_distinct_and_lowercase_ascii():
    words = text.load_words()
    assert 3500 < len(words) < 5000, "about 4,000 names of languages and territories"
    assert words == sorted(set(words)), "sorted and distinct"
    assert all(w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 12 for w in words)
    assert {"englisch", "italia", "suomi"} <= set(words), "names from several locales, accents folded"
    assert text.load_words(locales=("en",), max_len=6) == [w for w in text.load_words(locales=("en",)) if len(w) <= 6]


def test_split_is_seeded_disjoint_and_complete():
    words = text.load_words(locales=("en",))
    train, val = text.split_words(words, val_fraction=0.2, seed=3)
    assert sorted(train + val) == sorted(words) and not set(train) & set(val)
    assert len(val) == round(0.2 * len(words))
    assert text.split_words(words, 0.2, seed=3) == (train, val)
    assert text.split_words(words, 0.2, seed=4)[1] != val, "the seed changes the split"


def test_word_batch_wraps_words_in_boundaries_and_marks_real_tokens():
    vocab = text.CharVocab()
    tokens, valid = text.word_batch(["ab", "abcd"], vocab)
    assert tokens.dtype == torch.long and tokens.shape == (2, 6)
    assert tokens[0].tolist() == [0, 1, 2, 0, 0, 0] and tokens[1].tolist() == [0, 1, 2, 3, 4, 0]
    assert valid[0].tolist() == [True] * 4 + [False] * 2 and valid[1].all()


def test_reversal_batch_marks_the_answer_and_its_end_only():
    vocab = text.CharVocab(extra=text.SEPARATOR)
    tokens, answer = text.reversal_batch(["abc", "de"], vocab)
    assert vocab.decode(tokens[0]) == ".abc=cba." and vocab.decode(tokens[1]) == ".de=ed..."
    assert answer[0].tolist() == [False] * 5 + [True] * 4
    assert answer[1].tolist() == [False] * 4 + [True] * 3 + [False] * 2, "padding is not part of the answer"


def test_window_network_maps_windows_to_logits_and_reads_their_order():
    torch.manual_seed(0)
    net = text.WindowLM(vocab_size=11, context=4, emb=5, hidden=16)
    windows = torch.randint(0, 11, (3, 7, 4))
    logits = net(windows)
    assert logits.shape == (3, 7, 11)
    assert torch.allclose(net(windows[1, 2]), logits[1, 2]), "each window is scored on its own"
    assert not torch.allclose(net(windows.flip(-1)), logits), "the order of a window matters"
    with pytest.raises(ValueError, match="reads 4"):
        net(windows[..., :3])


def test_train_lm_lowers_the_loss_of_a_window_model():
    torch.manual_seed(0)
    net = text.WindowLM(vocab_size=5, context=2, emb=4, hidden=16)
    windows = torch.randint(0, 5, (64, 2))
    targets = (windows.sum(-1) % 5)
    loss = lambda step: torch.nn.functional.cross_entropy(net(windows), targets)
    history = text.train_lm(net, loss, 200, lr=1e-2, progress=False)
    assert len(history) == 200 and history[-1] < 0.3 * history[0]
