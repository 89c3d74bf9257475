"""Unit tests for ``genmod.conditional``: captions, the bag of words, the conditioned networks, the judge."""

import pytest
import torch

from genmod import conditional


@pytest.fixture(scope="module")
def digits():
    return conditional.digits_with_captions()


def test_every_digit_gets_a_templated_caption_that_names_its_label(digits):
    x, y, captions = digits
    assert x.shape == (1797, 64) and y.shape == (1797,) and len(captions) == 1797
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    for label, caption in zip(y.tolist()[:200], captions[:200]):
        words = caption.split()
        assert words[0] == "a" and words[1] in conditional.STYLE_WORDS
        assert words[2] == conditional.DIGIT_WORDS[label]
    assert len(set(captions)) == 20


def test_thin_and_bold_split_each_class_at_its_median_ink(digits):
    x, y, captions = digits
    amount = conditional.ink(x)
    for c in range(10):
        idx = (y == c).nonzero().flatten().tolist()
        thin = [i for i in idx if "thin" in captions[i]]
        bold = [i for i in idx if "bold" in captions[i]]
        assert abs(len(thin) - len(bold)) <= 0.1 * len(idx) + 2
        assert amount[thin].max() <= amount[bold].min()


def test_ink_is_the_same_for_unit_and_symmetric_pixels():
    x = torch.rand(5, 64)
    assert torch.allclose(conditional.ink(x), conditional.ink(2 * x - 1), atol=1e-5)


def test_bag_of_words_counts_known_words_and_maps_the_empty_caption_to_zero():
    bag = conditional.BagOfWords()
    counts = bag(["a thin seven", "", "Seven seven, purple"])
    assert counts.shape == (3, len(conditional.VOCABULARY))
    assert counts[0].sum() == 3 and counts[0, bag.index["thin"]] == 1
    assert counts[1].abs().sum() == 0
    assert counts[2, bag.index["seven"]] == 2 and counts[2].sum() == 2


def test_text_encoder_sends_the_empty_caption_to_the_zero_vector():
    enc = conditional.TextEncoder(len(conditional.VOCABULARY), dim=8)
    out = enc(conditional.BagOfWords()(["", "a bold two"]))
    assert out.shape == (2, 8) and torch.equal(out[0], torch.zeros(8)) and out[1].abs().sum() > 0


def test_label_velocity_field_reads_the_label_the_time_and_the_null_index():
    torch.manual_seed(0)
    net = conditional.LabelVelocityField(dim=5, n_classes=3, hidden=16, depth=2)
    assert net.null_index == 3
    x = torch.randn(4, 5)
    a = net(x, 0.3, torch.tensor([0, 1, 2, 3]))
    assert a.shape == (4, 5)
    assert not torch.allclose(a, net(x, 0.3, torch.tensor([3, 1, 2, 0])))
    assert not torch.allclose(a, net(x, 0.7, torch.tensor([0, 1, 2, 3])))
    assert torch.allclose(a, net(x, torch.full((4,), 0.3), torch.tensor([0, 1, 2, 3])))


def test_caption_field_keeps_a_table_with_the_empty_caption_as_null_and_appends_new_prompts():
    net = conditional.CaptionVelocityField(["a thin one", "a bold one", "a thin one"], dim=4, hidden=8, depth=1)
    assert net.captions[net.null_index] == "" and net.null_index == 2
    idx = net.index(["a bold one", "", "a one", "a one"])
    assert idx.tolist() == [0, 2, 3, 3] and net.counts.shape[0] == 4
    out = net(torch.randn(4, 4), 0.5, idx)
    assert out.shape == (4, 4)


def test_the_judge_classifier_recognises_held_out_digits(digits):
    x, y, _ = digits
    train_idx, test_idx = conditional.split(len(y))
    assert len(set(train_idx.tolist()) & set(test_idx.tolist())) == 0
    clf = conditional.train_classifier(x[train_idx], y[train_idx], steps=200)
    acc = conditional.per_class_accuracy(clf, x[test_idx], y[test_idx])
    assert acc.shape == (10,) and float(acc.mean()) > 0.9


def test_per_class_accuracy_counts_each_class_and_marks_missing_ones_nan():
    class Fixed(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.one_hot(x[:, 0].long(), 3).float()
    x = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    acc = conditional.per_class_accuracy(Fixed(), x, torch.tensor([0, 1, 0, 0]), n_classes=3)
    assert acc[0] == pytest.approx(2 / 3) and acc[1] == 1.0 and torch.isnan(acc[2])
