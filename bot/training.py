"""Train the Rasa model only when its inputs changed.

Rasa's own cache fingerprints config and training data but not the jieba
dictionary, so the model is named by our own hash of everything that feeds it:
config, domain, data/, the FAQ question variants (added to the `faq` intent),
knowledge/dictionary/ and the code of the trained components. FAQ answers are not part of the hash: editing an
answer never retrains.

    python -m bot.training               # train if needed, print the model path
    python -m bot.training --print-path  # only print where the model is/will be
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot import knowledge
from bot.settings import ROOT

MODELS_DIR = ROOT / "models"
BUILD_DIR = ROOT / "build"
GENERATED_NLU = BUILD_DIR / "nlu" / "faq_knowledge.yml"
STATS_FILE = BUILD_DIR / "train_stats.json"
TRAIN_LOG = BUILD_DIR / "train.log"
RASA_VERSION = "3.6.21"
KEEP_MODELS = 3


def faq_training_yaml() -> str:
    """The knowledge base's question variants as Rasa NLU training data."""
    questions = sorted({q for entry in knowledge.faq_entries() for q in entry.questions})
    data = {"version": "3.1", "nlu": [
        {"intent": "faq", "examples": "".join(f"- {q}\n" for q in questions)}]}
    return "# Generated from knowledge/faq.yml by bot/training.py; do not edit.\n" + \
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# The modules of bot/understanding the NLU components train with (the console's
# wording and situation models are trained by the agent API, bot/agent_models.py).
NLU_MODULES = ("classifier", "models", "datasets", "requests")


def _input_files() -> list[tuple[str, Path]]:
    """(label, path) of every file that feeds training."""
    data = [p for p in sorted((ROOT / "data").rglob("*.yml")) if "wording" not in p.parts]  # wording: the console's
    files = [ROOT / "config.yml", ROOT / "domain.yml", *data]
    labelled = [(str(p.relative_to(ROOT)), p) for p in files]
    labelled += [(f"dictionary/{p.name}", p)
                 for p in sorted(knowledge.dictionary_dir().glob("*")) if p.is_file()]
    understanding = ROOT / "bot" / "understanding"
    code = [ROOT / "bot" / "nlu" / "components.py", ROOT / "bot" / "extraction.py",
            *(understanding / f"{name}.py" for name in NLU_MODULES)]
    labelled += [(str(p.relative_to(ROOT)), p) for p in code]  # the code that trains is an input too
    return labelled


def model_hash() -> str:
    digest = hashlib.sha256(f"rasa=={RASA_VERSION}\n".encode())
    for label, path in _input_files():
        digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(faq_training_yaml().encode())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS_DIR / f"{model_hash()}.tar.gz"


def _prune_old_models(keep: Path) -> None:
    old = sorted((p for p in MODELS_DIR.glob("*.tar.gz") if p != keep),
                 key=lambda p: p.stat().st_mtime, reverse=True)
    for path in old[KEEP_MODELS - 1:]:
        path.unlink()


def train(force: bool = False) -> Path:
    """Return the model for the current inputs, training it first if needed."""
    knowledge.check_all()
    target = model_path()
    if target.exists() and not force:
        print(f"model is up to date: {target.relative_to(ROOT)}", file=sys.stderr)
        return target
    GENERATED_NLU.parent.mkdir(parents=True, exist_ok=True)
    GENERATED_NLU.write_text(faq_training_yaml(), encoding="utf-8")
    print(f"==> training {target.name} (inputs changed; about 2 minutes; log: "
          f"{TRAIN_LOG.relative_to(ROOT)})", file=sys.stderr)
    started = time.monotonic()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    with TRAIN_LOG.open("w") as log:
        result = subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
             "--data", "data/nlu", "data/stories", str(GENERATED_NLU.parent), "--out", str(MODELS_DIR),
             "--fixed-model-name", target.name[: -len(".tar.gz")], "--force", "--quiet"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        tail = TRAIN_LOG.read_text(errors="ignore").splitlines()[-30:]
        sys.exit("training failed:\n" + "\n".join(tail))
    seconds = round(time.monotonic() - started, 1)
    STATS_FILE.write_text(json.dumps({"model": target.name, "train_seconds": seconds}))
    print(f"==> trained in {seconds}s", file=sys.stderr)
    _prune_old_models(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--print-path", action="store_true", help="print the model path only")
    parser.add_argument("--force", action="store_true", help="train even if the model exists")
    args = parser.parse_args()
    print(model_path() if args.print_path else train(force=args.force))


if __name__ == "__main__":
    main()
