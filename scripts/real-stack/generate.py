"""Real-stack fixture generator: tiny BERT-family model folders made by the Hugging Face stack
itself (tokenizers -> transformers -> torch.onnx -> onnxruntime.quantization), in Hub layout,
with PyTorch's own reference outputs and onnxruntime's per-layer hidden states for every dtype.

    python scripts/real-stack/generate.py              # every folder
    python scripts/real-stack/generate.py --only bert-fe-ts14 --only roberta-mlm-ts14
    python scripts/real-stack/generate.py --base bench/models/roberta-base-hf \
        --base-fe bench/models/roberta-base-hf-fe    # the benchmark's base-size folders only

Writes tests/fixtures/hf/<name>/ (config.json, tokenizer files, onnx/*.onnx, reference.json,
reference.bin). Weights are random and seeded; the same command gives the same files. See
tests/fixtures/hf/README.md for the matrix and the reference format.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# Python's str hashing is salted per process, and some modeling code iterates over sets of
# strings (ModernBERT builds its rotary tables from set(config.layer_types)), which reorders
# the exported graph from run to run. A fixed seed keeps regeneration byte-identical.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT_DIR = ROOT / "tests" / "fixtures" / "hf"
sys.path.insert(0, str(HERE))

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers  # noqa: E402

import quantize  # noqa: E402

torch.set_num_threads(1)
# onnxruntime.quantization logs every node at INFO (on the root logger, too).
for _name in ("", "onnxruntime", "onnxruntime.quantization.matmul_nbits_quantizer"):
    logging.getLogger(_name).setLevel(logging.WARNING)
transformers.utils.logging.disable_progress_bar()
warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

ALL_DTYPES = ["fp32", "fp16", "q8", "int8", "uint8", "q4"]

# --------------------------------------------------------------------------------------------
# Corpus and texts
# --------------------------------------------------------------------------------------------


def read_corpus() -> str:
    """The English corpus of the TypeScript fixtures (scripts/fixtures/corpus.ts), one source."""
    src = (ROOT / "scripts" / "fixtures" / "corpus.ts").read_text()
    m = re.search(r"CORPUS = `(.*?)`;", src, re.S)
    if not m:
        raise SystemExit("could not find CORPUS in scripts/fixtures/corpus.ts")
    return m.group(1)


def paragraphs(corpus: str) -> list[str]:
    return [" ".join(p.split()) for p in corpus.split("\n\n") if p.strip()]


def batch_texts(corpus: str, mask_token: str) -> list[tuple[str, list[str]]]:
    paras = paragraphs(corpus)
    return [
        ("short", ["The cat sat on the warm step and watched the street."]),
        (
            "padded",
            [
                "Reading is a quiet kind of work.",
                "A transformer reads a sentence as a list of tokens, and every layer of the "
                "network mixes the vectors with one another through attention.",
                f"The river ran past the old {mask_token} every morning, in 1999 and 2024!",
            ],
        ),
        # Longer than any model's max_tokens here: the tokenizer truncates it.
        ("long", [" ".join(paras[0:4])]),
    ]


# --------------------------------------------------------------------------------------------
# Tokenizers: trained with `tokenizers`, wrapped in the transformers class, save_pretrained
# --------------------------------------------------------------------------------------------

VOCAB_TARGET = 1000


def _lines(corpus: str) -> list[str]:
    return paragraphs(corpus)


def train_bpe(
    corpus: str, specials: list[str]
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Byte-level BPE, as RoBERTa's tokenizer is built (GPT-2 byte alphabet, no prefix space)."""
    tok = tokenizers.Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_TARGET,
        min_frequency=1,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_lines(corpus), trainer)
    data = json.loads(tok.to_str())
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
    return data["model"]["vocab"], merges


def train_wordpiece(corpus: str, specials: list[str], lowercase: bool) -> dict[str, int]:
    """WordPiece with BERT's normalizer and pre-tokenizer."""
    tok = tokenizers.Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=VOCAB_TARGET, min_frequency=1, special_tokens=specials, show_progress=False
    )
    tok.train_from_iterator(_lines(corpus), trainer)
    return tok.get_vocab()


def train_unigram(
    corpus: str, specials: list[str], unk: str, lowercase: bool = False
) -> list[tuple[str, float]]:
    """SentencePiece-style Unigram over Metaspace pieces; returns (piece, score) in id order."""
    tok = tokenizers.Tokenizer(models.Unigram())
    if lowercase:
        tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace()]
    )
    trainer = trainers.UnigramTrainer(
        vocab_size=VOCAB_TARGET,
        special_tokens=specials,
        unk_token=unk,
        shrinking_factor=0.75,
        max_piece_length=12,
        show_progress=False,
    )
    tok.train_from_iterator(_lines(corpus), trainer)
    data = json.loads(tok.to_str())
    return [(p, float(s)) for p, s in data["model"]["vocab"]]


VOCAB_DIR = HERE / "vocab"
RETRAIN = False  # set by --retrain-tokenizers
_retrained: set[str] = set()


def trained(key: str, train):
    """The trained vocabulary for `key`, from scripts/real-stack/vocab/<key>.json.

    The WordPiece and Unigram trainers of `tokenizers` break ties in Rust HashMap order, which
    is seeded per process, so two trainings of the same corpus give different (equally valid)
    vocabularies. The first training is therefore stored and reused: regeneration is
    byte-identical, and folders of one family share one vocabulary (and so one set of weights).
    """
    path = VOCAB_DIR / f"{key}.json"
    if path.exists() and (not RETRAIN or key in _retrained):
        return json.loads(path.read_text())
    data = train()
    _retrained.add(key)
    VOCAB_DIR.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n")
    return json.loads(path.read_text())


def _bpe(key: str, corpus: str, specials: list[str]):
    data = trained(
        key, lambda: dict(zip(("vocab", "merges"), train_bpe(corpus, specials)))
    )
    return data["vocab"], [tuple(m) for m in data["merges"]]


def _wordpiece(key: str, corpus: str, specials: list[str]) -> dict[str, int]:
    return trained(key, lambda: {"vocab": train_wordpiece(corpus, specials, True)})["vocab"]


def _unigram(key: str, corpus: str, specials: list[str], unk: str, lowercase=False):
    data = trained(
        key, lambda: {"pieces": train_unigram(corpus, specials, unk, lowercase)}
    )
    return [(p, float(sc)) for p, sc in data["pieces"]]


def build_tokenizer(family: str, corpus: str, max_tokens: int):
    """The transformers tokenizer class the Hub uses for this family, from a trained vocab."""
    T = transformers
    common = dict(model_max_length=max_tokens)
    if family == "roberta":
        vocab, merges = _bpe("roberta-bpe", corpus, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        return T.RobertaTokenizer(vocab=vocab, merges=merges, **common)
    if family in ("bert", "electra", "distilbert"):
        # One uncased WordPiece vocabulary for the three (as bert-base-uncased's is shared).
        vocab = _wordpiece("bert-wordpiece", corpus, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        cls = {
            "bert": T.BertTokenizer,
            "electra": T.ElectraTokenizer,
            "distilbert": T.DistilBertTokenizer,
        }[family]
        return cls(vocab=vocab, do_lower_case=True, **common)
    if family == "mpnet":
        vocab = _wordpiece("mpnet-wordpiece", corpus, ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"])
        return T.MPNetTokenizer(vocab=vocab, do_lower_case=True, **common)
    if family == "xlm-roberta":
        pieces = _unigram("xlmr-unigram", corpus, ["<s>", "<pad>", "</s>", "<unk>"], "<unk>")
        pieces.append(("<mask>", 0.0))  # last, as in xlm-roberta-base
        return T.XLMRobertaTokenizer(vocab=pieces, **common)
    if family == "deberta-v2":
        pieces = _unigram("deberta-unigram", corpus, ["[PAD]", "[CLS]", "[SEP]", "[UNK]"], "[UNK]")
        pieces.append(("[MASK]", 0.0))  # last, as in deberta-v3-base
        return T.DebertaV2Tokenizer(vocab=pieces, unk_id=3, do_lower_case=False, **common)
    if family == "albert":
        pieces = _unigram(
            "albert-unigram", corpus, ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"], "<unk>", True
        )
        return T.AlbertTokenizer(vocab=pieces, do_lower_case=True, **common)
    if family == "modernbert":
        # ModernBERT ships a byte-level BPE tokenizer.json (OLMo's) behind PreTrainedTokenizerFast.
        vocab, merges = _bpe("modernbert-bpe", corpus, ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"])
        backend = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=merges))
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        backend.decoder = decoders.ByteLevel()
        backend.post_processor = tokenizers.processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            pair="[CLS] $A [SEP] $B [SEP]",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )
        return T.PreTrainedTokenizerFast(
            tokenizer_object=backend,
            unk_token="[UNK]",
            cls_token="[CLS]",
            sep_token="[SEP]",
            pad_token="[PAD]",
            mask_token="[MASK]",
            model_input_names=["input_ids", "attention_mask"],
            **common,
        )
    raise ValueError(family)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


@dataclass
class Family:
    config_cls: str
    classes: dict[str, str]  # task -> transformers class
    config: dict  # config kwargs besides vocab/special ids
    max_tokens: int  # tokenizer model_max_length (truncation length)
    onnx_inputs: list[str]  # optimum's OnnxConfig inputs for this model type


COMMON_TEXT = ["input_ids", "attention_mask"]
WITH_TYPES = ["input_ids", "attention_mask", "token_type_ids"]

FAMILIES: dict[str, Family] = {
    # roberta-base shape, scaled down: max_position_embeddings = max_tokens + 2 (padding offset).
    "roberta": Family(
        "RobertaConfig",
        {
            "fill-mask": "RobertaForMaskedLM",
            "feature-extraction": "RobertaModel",
            "regression": "RobertaForSequenceClassification",
        },
        dict(
            hidden_size=32,
            num_hidden_layers=3,
            num_attention_heads=4,
            intermediate_size=64,
            max_position_embeddings=66,
            type_vocab_size=1,
            layer_norm_eps=1e-5,
        ),
        64,
        COMMON_TEXT,
    ),
    "xlm-roberta": Family(
        "XLMRobertaConfig",
        {"fill-mask": "XLMRobertaForMaskedLM", "feature-extraction": "XLMRobertaModel"},
        dict(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=66,
            type_vocab_size=1,
            layer_norm_eps=1e-5,
        ),
        64,
        COMMON_TEXT,
    ),
    "bert": Family(
        "BertConfig",
        {
            "fill-mask": "BertForMaskedLM",
            "feature-extraction": "BertModel",
            "regression": "BertForSequenceClassification",
        },
        dict(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
            type_vocab_size=2,
        ),
        128,
        WITH_TYPES,
    ),
    "distilbert": Family(
        "DistilBertConfig",
        {"fill-mask": "DistilBertForMaskedLM", "feature-extraction": "DistilBertModel"},
        dict(dim=32, n_layers=3, n_heads=4, hidden_dim=64, max_position_embeddings=64),
        64,
        COMMON_TEXT,
    ),
    # ELECTRA with embedding_size != hidden_size, so the model has embeddings_project.
    "electra": Family(
        "ElectraConfig",
        {"fill-mask": "ElectraForMaskedLM", "feature-extraction": "ElectraModel"},
        dict(
            embedding_size=24,
            hidden_size=48,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=96,
            max_position_embeddings=64,
            type_vocab_size=2,
        ),
        64,
        WITH_TYPES,
    ),
    # deberta-v3-base's configuration, scaled down.
    "deberta-v2": Family(
        "DebertaV2Config",
        {"fill-mask": "DebertaV2ForMaskedLM", "feature-extraction": "DebertaV2Model"},
        dict(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
            relative_attention=True,
            position_buckets=16,
            max_relative_positions=-1,
            norm_rel_ebd="layer_norm",
            share_att_key=True,
            pos_att_type=["p2c", "c2p"],
            position_biased_input=False,
            type_vocab_size=0,
            layer_norm_eps=1e-7,
        ),
        64,
        COMMON_TEXT,  # optimum drops token_type_ids when type_vocab_size == 0
    ),
    "albert": Family(
        "AlbertConfig",
        {"feature-extraction": "AlbertModel"},
        dict(
            embedding_size=16,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
            type_vocab_size=2,
            hidden_act="gelu_new",
        ),
        64,
        WITH_TYPES,
    ),
    "mpnet": Family(
        "MPNetConfig",
        {"feature-extraction": "MPNetModel"},
        dict(
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=66,
            # relative_attention_num_buckets stays 32: MPNetAttention hard-codes 32 buckets
            # in compute_position_bias, so a smaller table indexes out of range.
            layer_norm_eps=1e-5,
        ),
        64,
        COMMON_TEXT,
    ),
    "modernbert": Family(
        "ModernBertConfig",
        {"feature-extraction": "ModernBertModel"},
        dict(
            hidden_size=32,
            num_hidden_layers=3,
            num_attention_heads=2,
            intermediate_size=48,
            max_position_embeddings=64,
            global_attn_every_n_layers=3,
            local_attention=16,
        ),
        64,
        COMMON_TEXT,
    ),
}


@dataclass
class Spec:
    name: str
    family: str
    task: str
    exporter: str  # torchscript | dynamo
    opset: int
    dtypes: list[str]
    optional: bool = False  # a failure is recorded, not fatal
    notes: list[str] = field(default_factory=list)


SPECS: list[Spec] = [
    Spec("roberta-mlm-ts14", "roberta", "fill-mask", "torchscript", 14, ALL_DTYPES),
    Spec("roberta-mlm-dyn18", "roberta", "fill-mask", "dynamo", 18, ["fp32", "fp16", "q8"]),
    Spec("bert-fe-ts14", "bert", "feature-extraction", "torchscript", 14, ALL_DTYPES),
    Spec("distilbert-fe-ts14", "distilbert", "feature-extraction", "torchscript", 14,
         ["fp32", "fp16", "q8"]),
    Spec("roberta-reg-ts14", "roberta", "regression", "torchscript", 14, ["fp32", "q8"]),
    Spec("bert-fe-dyn18", "bert", "feature-extraction", "dynamo", 18, ["fp32", "q8"]),
    Spec("xlmr-mlm-ts14", "xlm-roberta", "fill-mask", "torchscript", 14, ["fp32", "q8"]),
    Spec("distilbert-fe-dyn18", "distilbert", "feature-extraction", "dynamo", 18, ["fp32"]),
    Spec("electra-fe-ts14", "electra", "feature-extraction", "torchscript", 14, ["fp32", "q8"]),
    Spec("deberta-fe-ts14", "deberta-v2", "feature-extraction", "torchscript", 14,
         ["fp32", "fp16", "q8"]),
    Spec("deberta-fe-dyn18", "deberta-v2", "feature-extraction", "dynamo", 18, ["fp32"],
         optional=True),
    Spec("albert-fe-ts14", "albert", "feature-extraction", "torchscript", 14, ["fp32"],
         optional=True),
    Spec("mpnet-fe-ts14", "mpnet", "feature-extraction", "torchscript", 14, ["fp32"],
         optional=True),
    Spec("modernbert-fe-ts14", "modernbert", "feature-extraction", "torchscript", 14, ["fp32"],
         optional=True),
]


def seed_for(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "little")


def build_model(spec: Spec, fam: Family, tok):
    """A seeded random model: the family's init, then LayerNorm gammas/betas and every bias
    perturbed so a mistake in their handling shows in the outputs."""
    cfg_cls = getattr(transformers, fam.config_cls)
    ids = dict(pad_token_id=tok.pad_token_id)
    if fam.config_cls in ("RobertaConfig", "XLMRobertaConfig", "MPNetConfig"):
        ids.update(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    if fam.config_cls == "ModernBertConfig":
        ids.update(
            bos_token_id=tok.cls_token_id,
            eos_token_id=tok.sep_token_id,
            cls_token_id=tok.cls_token_id,
            sep_token_id=tok.sep_token_id,
        )
    extra = {}
    if spec.task == "regression":
        extra = dict(num_labels=1, problem_type="regression")
    config = cfg_cls(vocab_size=len(tok), initializer_range=0.1, **fam.config, **ids, **extra)
    # Same weights for the same family and task, whatever the exporter.
    torch.manual_seed(seed_for(spec.family, spec.task))
    model = getattr(transformers, fam.classes[spec.task])(config)
    g = torch.Generator().manual_seed(seed_for(spec.family, spec.task, "perturb"))
    with torch.no_grad():
        for pname, p in model.named_parameters():
            lname = pname.lower()
            is_norm = "norm" in lname and p.ndim == 1
            if is_norm and lname.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif is_norm and lname.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif lname.endswith("bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
    model.eval()
    return model


# --------------------------------------------------------------------------------------------
# Export (optimum-style: input/output names and dynamic axes from its OnnxConfig)
# --------------------------------------------------------------------------------------------

OUTPUT_AXES = {
    "feature-extraction": ("last_hidden_state", {0: "batch_size", 1: "sequence_length"}),
    "fill-mask": ("logits", {0: "batch_size", 1: "sequence_length"}),
    "regression": ("logits", {0: "batch_size"}),  # text-classification
}


def export(spec: Spec, fam: Family, model, tok, path: Path) -> None:
    out_name, out_axes = OUTPUT_AXES[spec.task]
    dummy = tok(
        ["Teachers have long tried to measure how hard a text is.", "A short one."],
        padding="longest",
        return_tensors="pt",
        return_token_type_ids="token_type_ids" in fam.onnx_inputs,
    )
    # Positional, in the order of the model's forward (input_ids, attention_mask,
    # token_type_ids for every class here), as torch.onnx's tracer wants them.
    args = tuple(dummy[k] for k in fam.onnx_inputs)
    axes = {k: {0: "batch_size", 1: "sequence_length"} for k in fam.onnx_inputs}
    axes[out_name] = out_axes
    # optimum's ModelPatcher: the model's own forward, keeping only the declared output, so
    # the traced scopes stay the model's (/roberta/encoder/layer.0/...).
    original_forward = model.forward

    # An explicit signature (not *args), so torch.export can pair inputs with dynamic axes.
    if fam.onnx_inputs == WITH_TYPES:

        def patched_forward(input_ids, attention_mask, token_type_ids):
            out = original_forward(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return (out[out_name],)

    else:

        def patched_forward(input_ids, attention_mask):
            out = original_forward(input_ids=input_ids, attention_mask=attention_mask)
            return (out[out_name],)

    model.forward = patched_forward
    try:
        with torch.no_grad():
            if spec.exporter == "torchscript":
                torch.onnx.export(
                    model,
                    args,
                    str(path),
                    input_names=list(fam.onnx_inputs),
                    output_names=[out_name],
                    dynamic_axes=axes,
                    opset_version=spec.opset,
                    do_constant_folding=True,
                    dynamo=False,
                )
            else:
                torch.onnx.export(
                    model,
                    args,
                    str(path),
                    input_names=list(fam.onnx_inputs),
                    output_names=[out_name],
                    dynamic_axes=axes,
                    opset_version=spec.opset,
                    dynamo=True,
                    external_data=False,
                )
    finally:
        del model.forward
    data_file = Path(str(path) + ".data")
    if data_file.exists():
        raise RuntimeError(f"exporter wrote external data {data_file}")


# --------------------------------------------------------------------------------------------
# onnxruntime helpers
# --------------------------------------------------------------------------------------------


def session(model: onnx.ModelProto | str) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    src = model if isinstance(model, str) else model.SerializeToString()
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def feeds(batch: dict, inputs: list[str]) -> dict[str, np.ndarray]:
    return {k: np.asarray(batch[k], dtype=np.int64) for k in inputs}


def tensor_types(model: onnx.ModelProto) -> dict[str, int]:
    """elem_type of every named tensor that shape inference can type."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types: dict[str, int] = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output) + list(
        inferred.graph.input
    ):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    return types


def with_outputs(model: onnx.ModelProto, names: list[str], types: dict[str, int]):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for n in names:
        if n not in have:
            m.graph.output.append(onnx.helper.make_tensor_value_info(n, types[n], None))
    return m


def producers(model: onnx.ModelProto) -> dict[str, int]:
    return {o: i for i, node in enumerate(model.graph.node) for o in node.output}


# --------------------------------------------------------------------------------------------
# Hidden-state discovery: by value, independently of tensor names
# --------------------------------------------------------------------------------------------

MATCH_ATOL = 1e-4


def find_hidden_states(
    model: onnx.ModelProto, torch_hs: dict[str, list[np.ndarray]], batches: dict, inputs
) -> tuple[list[str], list[str]]:
    """Names of the fp32 graph's tensors equal to PyTorch's hidden_states, embeddings first."""
    notes = []
    types = tensor_types(model)
    prod = producers(model)
    candidates = [
        n
        for n in list(prod.keys()) + [o.name for o in model.graph.output]
        if types.get(n) == onnx.TensorProto.FLOAT
    ]
    candidates = list(dict.fromkeys(candidates))
    probe = with_outputs(model, candidates, types)
    sess = session(probe)
    out_names = [o.name for o in sess.get_outputs()]
    values = {}
    for bname in ("padded", "short"):
        res = sess.run(None, feeds(batches[bname], inputs))
        values[bname] = dict(zip(out_names, res))
    chosen = []
    for layer, _ in enumerate(torch_hs["padded"]):
        matches = []
        for n in candidates:
            ok_real = True
            ok_pad = True
            for bname in ("padded", "short"):
                ref = torch_hs[bname][layer]
                v = values[bname].get(n)
                if v is None or v.shape != ref.shape:
                    ok_real = False
                    break
                mask = np.asarray(batches[bname]["attention_mask"], dtype=bool)
                diff = np.abs(v - ref)
                tol = MATCH_ATOL * (1 + np.abs(ref))
                if not np.all((diff <= tol)[mask]):
                    ok_real = False
                    break
                if not np.all(diff <= tol):
                    ok_pad = False
            if ok_real:
                matches.append((0 if ok_pad else 1, prod.get(n, 10**9), n))
        if not matches:
            raise RuntimeError(f"no graph tensor matches PyTorch hidden_states[{layer}]")
        matches.sort()
        chosen.append(matches[0][2])
        if len(matches) > 1:
            notes.append(
                f"hidden_states[{layer}] matched {len(matches)} tensors "
                f"({', '.join(m[2] for m in matches)}); chose {matches[0][2]}"
                + ("" if matches[0][0] == 0 else " (real tokens only: padded rows differ)")
            )
        elif matches[0][0] == 1:
            notes.append(
                f"hidden_states[{layer}] ({matches[0][2]}) matches PyTorch on real tokens only"
            )
    if len(chosen) != len(set(chosen)):
        raise RuntimeError(f"two hidden states matched the same tensor: {chosen}")
    return chosen, notes


# --------------------------------------------------------------------------------------------
# One folder
# --------------------------------------------------------------------------------------------


class Bin:
    def __init__(self):
        self.chunks: list[np.ndarray] = []
        self.offset = 0
        self.index: dict[str, dict] = {}

    def add(self, key: str, arr: np.ndarray) -> None:
        a = np.ascontiguousarray(arr, dtype="<f4")
        if not np.all(np.isfinite(a)):
            raise RuntimeError(f"{key} has non-finite values")
        self.index[key] = {"offset": self.offset, "dims": list(a.shape)}
        self.chunks.append(a.reshape(-1))
        self.offset += a.size

    def write(self, path: Path) -> None:
        with open(path, "wb") as f:
            for c in self.chunks:
                f.write(c.tobytes())


def versions() -> dict[str, str]:
    import ml_dtypes
    import onnxscript

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "onnxscript": onnxscript.__version__,
        "numpy": np.__version__,
        "ml_dtypes": ml_dtypes.__version__,
    }


def real_max_dev(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """max |a - b| over real tokens; a, b are [..., B, T, H] or [B, 1]."""
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    if d.ndim >= 3:
        d = d[..., mask, :]
    return float(d.max())


def generate(spec: Spec, corpus: str) -> dict:
    t0 = time.time()
    fam = FAMILIES[spec.family]
    folder = OUT_DIR / spec.name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "onnx").mkdir(parents=True)
    notes = list(spec.notes)

    # Tokenizer: trained, wrapped, saved, and loaded back so the ids are what the files give.
    tok = build_tokenizer(spec.family, corpus, fam.max_tokens)
    tok.save_pretrained(str(folder))
    tok = transformers.AutoTokenizer.from_pretrained(str(folder))
    assert tok.model_max_length == fam.max_tokens

    model = build_model(spec, fam, tok)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        shutil.copy(Path(tmp) / "config.json", folder / "config.json")
        cls = getattr(transformers, fam.classes[spec.task])
        try:
            ref_model = cls.from_pretrained(tmp, attn_implementation="eager").eval()
        except (ValueError, TypeError):
            ref_model = cls.from_pretrained(tmp).eval()
            notes.append("the model class takes no attn_implementation; default attention used")

    # Batches, tokenized from the saved files.
    batches = {}
    batch_list = []
    for bname, texts in batch_texts(corpus, tok.mask_token):
        enc = tok(
            texts,
            padding="longest",
            truncation=True,
            max_length=fam.max_tokens,
            # ALBERT's tokenizer leaves token_type_ids out of model_input_names; its graph
            # takes them (optimum's AlbertOnnxConfig is BERT's), so ask for them.
            return_token_type_ids="token_type_ids" in fam.onnx_inputs,
        )
        b = {"name": bname, "texts": texts}
        for k in fam.onnx_inputs:
            b[k] = [list(map(int, row)) for row in enc[k]]
        batches[bname] = b
        batch_list.append(b)
    long_len = len(batches["long"]["input_ids"][0])
    full = tok(batches["long"]["texts"][0])["input_ids"]
    if not (len(full) > fam.max_tokens and long_len == fam.max_tokens):
        raise RuntimeError(f"long text is {len(full)} tokens; max_tokens {fam.max_tokens}")

    cfg = ref_model.config
    layers = cfg.num_hidden_layers if hasattr(cfg, "num_hidden_layers") else cfg.n_layers
    hidden = cfg.hidden_size
    heads = cfg.num_attention_heads

    # PyTorch references.
    binf = Bin()
    torch_hs: dict[str, list[np.ndarray]] = {}
    torch_out: dict[str, np.ndarray] = {}
    out_name = OUTPUT_AXES[spec.task][0]
    have_attn = True
    for bname, b in batches.items():
        inp = {k: torch.tensor(b[k], dtype=torch.long) for k in fam.onnx_inputs}
        with torch.no_grad():
            try:
                out = ref_model(**inp, output_hidden_states=True, output_attentions=True)
            except Exception as e:  # noqa: BLE001
                have_attn = False
                notes.append(f"output_attentions failed ({e}); no torch attentions")
                out = ref_model(**inp, output_hidden_states=True)
        hs = [h.numpy() for h in out.hidden_states]
        if len(hs) != layers + 1:
            raise RuntimeError(f"{len(hs)} hidden states for {layers} layers")
        torch_hs[bname] = hs
        binf.add(f"torch/{bname}/hidden_states", np.stack(hs))
        if spec.task == "regression":
            binf.add(f"torch/{bname}/logits", out.logits.numpy())
        if have_attn and getattr(out, "attentions", None):
            # [L, B, heads, T, T] grows with T squared: kept for short and padded only.
            if bname != "long":
                binf.add(
                    f"torch/{bname}/attentions", np.stack([a.numpy() for a in out.attentions])
                )
        elif have_attn:
            have_attn = False
            notes.append("the model returned no attentions")
        torch_out[bname] = (
            out.last_hidden_state if spec.task == "feature-extraction" else out.logits
        ).numpy()

    # Export fp32 and check its own outputs against PyTorch.
    fp32_path = folder / "onnx" / quantize.DTYPE_FILES["fp32"]
    export(spec, fam, model, tok, fp32_path)
    fp32 = onnx.load(str(fp32_path))
    quantize.check_model(fp32)
    sess = session(str(fp32_path))
    if [i.name for i in sess.get_inputs()] != fam.onnx_inputs:
        raise RuntimeError(f"graph inputs {[i.name for i in sess.get_inputs()]}")
    pad_dev = 0.0
    for bname, b in batches.items():
        got = sess.run([out_name], feeds(b, fam.onnx_inputs))[0]
        ref = torch_out[bname]
        mask = np.asarray(b["attention_mask"], dtype=bool)
        d = np.abs(got - ref)
        real = d[mask] if d.ndim == 3 else d
        if real.max() > MATCH_ATOL:
            raise RuntimeError(f"fp32 ONNX {out_name} differs from PyTorch by {real.max()} ({bname})")
        pad_dev = max(pad_dev, float(d.max()))
    notes.append(
        f"fp32 ONNX {out_name} vs PyTorch: within {MATCH_ATOL} on real tokens; "
        f"max |diff| including padded positions {pad_dev:.3g}"
    )

    # Which tensors are the hidden states (by value).
    hs_names, find_notes = find_hidden_states(fp32, torch_hs, batches, fam.onnx_inputs)
    notes.extend(find_notes)

    # Dtype files.
    dtypes_json = {}
    hs_tensors = {}
    ort_hs: dict[str, dict[str, np.ndarray]] = {}
    ort_logits: dict[str, dict[str, np.ndarray]] = {}
    deviations = {}
    graph_notes = {}
    for dtype in spec.dtypes:
        path = folder / "onnx" / quantize.DTYPE_FILES[dtype]
        if dtype != "fp32":
            m = quantize.derive(str(fp32_path), dtype)
            onnx.save(m, str(path))
        m = onnx.load(str(path))
        types = tensor_types(m)
        names = []
        prod = producers(m)
        for i, n in enumerate(hs_names):
            if n in prod or n in {o.name for o in m.graph.output}:
                names.append(n)
            else:
                raise RuntimeError(f"{dtype}: hidden state tensor {n} is not in the graph")
        for n in names:
            if n not in types:
                types[n] = onnx.TensorProto.FLOAT16 if dtype == "fp16" else onnx.TensorProto.FLOAT
        elem = {n: onnx.TensorProto.DataType.Name(types[n]) for n in names}
        if set(elem.values()) != {"FLOAT"}:
            graph_notes[dtype] = f"hidden-state tensor types: {sorted(set(elem.values()))}"
        probe = with_outputs(m, names, types)
        s = session(probe)
        outs = [o.name for o in s.get_outputs()]
        ort_hs[dtype] = {}
        ort_logits[dtype] = {}
        for bname, b in batches.items():
            res = dict(zip(outs, s.run(None, feeds(b, fam.onnx_inputs))))
            hs = np.stack([res[n].astype(np.float32) for n in names])
            ort_hs[dtype][bname] = hs
            binf.add(f"ort/{dtype}/{bname}/hidden_states", hs)
            if spec.task == "regression":
                ort_logits[dtype][bname] = res["logits"].astype(np.float32)
                binf.add(f"ort/{dtype}/{bname}/logits", ort_logits[dtype][bname])
        hs_tensors[dtype] = names
        dtypes_json[dtype] = {
            "file": f"onnx/{quantize.DTYPE_FILES[dtype]}",
            "bytes": path.stat().st_size,
        }

    for dtype in spec.dtypes:
        dev = {"hidden_states_vs_ort_fp32": 0.0, "hidden_states_vs_torch": 0.0}
        for bname, b in batches.items():
            mask = np.asarray(b["attention_mask"], dtype=bool)
            t = np.stack(torch_hs[bname])
            dev["hidden_states_vs_ort_fp32"] = max(
                dev["hidden_states_vs_ort_fp32"],
                real_max_dev(ort_hs[dtype][bname], ort_hs["fp32"][bname], mask),
            )
            dev["hidden_states_vs_torch"] = max(
                dev["hidden_states_vs_torch"], real_max_dev(ort_hs[dtype][bname], t, mask)
            )
            if spec.task == "regression":
                for key, other in (
                    ("logits_vs_ort_fp32", ort_logits["fp32"][bname]),
                    ("logits_vs_torch", torch_out[bname]),
                ):
                    dev[key] = max(
                        dev.get(key, 0.0), real_max_dev(ort_logits[dtype][bname], other, mask)
                    )
        deviations[dtype] = {k: float(f"{v:.4g}") for k, v in dev.items()}
        if dtype == "fp32" and dev["hidden_states_vs_torch"] > MATCH_ATOL * 10:
            raise RuntimeError(f"fp32 ORT hidden states differ from PyTorch: {dev}")
        limit = {"fp16": 0.1, "q4": 2.0}.get(dtype, 1.5)
        if dev["hidden_states_vs_ort_fp32"] > limit:
            raise RuntimeError(f"{dtype} hidden states far from fp32 ({dev}): wrong tensor?")
        notes.append(
            f"{dtype}: max |hidden - ort fp32| {deviations[dtype]['hidden_states_vs_ort_fp32']}, "
            f"max |hidden - torch| {deviations[dtype]['hidden_states_vs_torch']} (real tokens)"
            + (
                f"; max |logits - ort fp32| {deviations[dtype]['logits_vs_ort_fp32']}, "
                f"max |logits - torch| {deviations[dtype]['logits_vs_torch']}"
                if spec.task == "regression"
                else ""
            )
        )
    for dtype, note in graph_notes.items():
        notes.append(f"{dtype}: {note}")

    binf.write(folder / "reference.bin")
    ref = {
        "generator": "scripts/real-stack/generate.py",
        "versions": versions(),
        "name": spec.name,
        "model_type": cfg.model_type,
        "architecture": fam.classes[spec.task],
        "task": spec.task,
        "exporter": spec.exporter,
        "opset": spec.opset,
        "layers": layers,
        "hidden": hidden,
        "heads": heads,
        "max_tokens": fam.max_tokens,
        "inputs": fam.onnx_inputs,
        "output": out_name,
        "dtypes": dtypes_json,
        "batches": batch_list,
        "tensors": binf.index,
        "hidden_state_tensors": hs_tensors,
        "deviations": deviations,
        "notes": "\n".join(notes),
    }
    (folder / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"{spec.name}: done in {time.time() - t0:.1f}s", flush=True)
    for n in notes:
        print(f"  {n}", flush=True)
    return ref


# --------------------------------------------------------------------------------------------
# The benchmark's base-size folders (npm run bench, npm run bench:gpu): not fixtures
# --------------------------------------------------------------------------------------------

# roberta-base's config.json, less what is the family's default anyway.
BASE_CONFIG = dict(
    vocab_size=50265,
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    max_position_embeddings=514,
    type_vocab_size=1,
    layer_norm_eps=1e-5,
)
BASE_MAX_TOKENS = 512
BASE_DTYPES = ["fp32", "fp16", "q8"]


def generate_base(out: Path, fe_out: Path | None, corpus: str) -> None:
    """roberta-base's shape with random weights (transformers' own initialisation, seeded), as a
    fill-mask export in `out` (model.onnx, model_fp16.onnx, model_quantized.onnx, made by the
    fixtures' export and conversion code), and, in `fe_out`, the same encoder's
    feature-extraction export (RobertaModel, output last_hidden_state; fp32 only). The tokenizer
    is the fixtures' small trained byte-level BPE (973 tokens), so only the first ids of the
    50,265-row embedding are ever read."""
    t0 = time.time()
    fam = FAMILIES["roberta"]
    folders = [out] + ([fe_out] if fe_out else [])
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "onnx").mkdir(parents=True)
    tok = build_tokenizer("roberta", corpus, BASE_MAX_TOKENS)
    for folder in folders:
        tok.save_pretrained(str(folder))
    tok = transformers.AutoTokenizer.from_pretrained(str(out))
    config = transformers.RobertaConfig(
        **BASE_CONFIG,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    torch.manual_seed(seed_for("roberta-base", "fill-mask"))
    model = transformers.RobertaForMaskedLM(config).eval()
    config.architectures = ["RobertaForMaskedLM"]
    config.save_pretrained(str(out))
    fp32_path = out / "onnx" / quantize.DTYPE_FILES["fp32"]
    export(Spec("base", "roberta", "fill-mask", "torchscript", 14, []), fam, model, tok, fp32_path)
    print(f"{out}: fp32 exported in {time.time() - t0:.0f}s", flush=True)

    # The export against PyTorch on one padded batch, as the fixtures are checked.
    texts = [p[:400] for p in paragraphs(corpus)[:2]] + ["A short one."]
    enc = tok(texts, padding="longest", truncation=True, return_tensors="np")
    with torch.no_grad():
        ref = model(**{k: torch.tensor(enc[k]) for k in COMMON_TEXT}).logits.numpy()
    got = session(str(fp32_path)).run(["logits"], feeds(enc, COMMON_TEXT))[0]
    dev = float(np.abs(got - ref)[np.asarray(enc["attention_mask"], dtype=bool)].max())
    if dev > 1e-3:
        raise RuntimeError(f"fp32 ONNX logits differ from PyTorch by {dev}")
    print(f"  fp32 ONNX logits vs PyTorch: max |diff| {dev:.3g} on real tokens", flush=True)

    for dtype in BASE_DTYPES[1:]:
        path = out / "onnx" / quantize.DTYPE_FILES[dtype]
        onnx.save(quantize.derive(str(fp32_path), dtype), str(path))
        print(f"  {dtype} written at {time.time() - t0:.0f}s", flush=True)

    if fe_out:
        encoder = model.roberta  # the same weights, without the LM head
        fe_config = copy.deepcopy(config)
        fe_config.architectures = ["RobertaModel"]
        fe_config.save_pretrained(str(fe_out))
        fe_spec = Spec("base-fe", "roberta", "feature-extraction", "torchscript", 14, [])
        export(fe_spec, fam, encoder, tok, fe_out / "onnx" / quantize.DTYPE_FILES["fp32"])
        print(f"{fe_out}: fp32 exported at {time.time() - t0:.0f}s", flush=True)
    print(f"base-size folders done in {time.time() - t0:.0f}s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", help="folder name (repeatable)")
    ap.add_argument(
        "--base",
        type=Path,
        help="write only the benchmark's roberta-base-shaped fill-mask folder (fp32, fp16, q8)",
    )
    ap.add_argument(
        "--base-fe",
        type=Path,
        help="with --base: also the same encoder's feature-extraction export (fp32) here",
    )
    ap.add_argument(
        "--retrain-tokenizers",
        action="store_true",
        help="train the vocabularies again instead of reusing scripts/real-stack/vocab/",
    )
    args = ap.parse_args()
    global RETRAIN
    RETRAIN = args.retrain_tokenizers
    if args.base_fe and not args.base:
        raise SystemExit("--base-fe needs --base")
    if args.base:
        fe = args.base_fe.resolve() if args.base_fe else None
        generate_base(args.base.resolve(), fe, read_corpus())
        return
    names = {s.name for s in SPECS}
    for n in args.only or []:
        if n not in names:
            raise SystemExit(f"unknown folder {n}; one of {sorted(names)}")
    corpus = read_corpus()
    failures = {}
    for spec in SPECS:
        if args.only and spec.name not in args.only:
            continue
        try:
            generate(spec, corpus)
        except Exception as e:
            if not spec.optional:
                raise
            failures[spec.name] = f"{type(e).__name__}: {e}"
            shutil.rmtree(OUT_DIR / spec.name, ignore_errors=True)
            print(f"{spec.name}: FAILED (optional) {failures[spec.name]}", flush=True)
    if failures:
        print(json.dumps(failures, indent=1))


if __name__ == "__main__":
    main()
