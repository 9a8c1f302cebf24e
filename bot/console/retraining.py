"""The workbench's "retrain" button: train a model for the knowledge as it is
now, in the background, then swap it into the running Rasa server.

Training is `python -m bot.training` in a child process (the same command the
run script uses; it does nothing when the model for these inputs exists).
Progress is estimated from how long the last training took; Rasa itself
reports no overall progress. One job runs at a time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot import settings, training

ESTIMATE_SECONDS = 150.0  # when no training has been timed on this machine yet


@dataclass
class RetrainStatus:
    state: str = "idle"  # idle | training | swapping | done | failed
    started_by: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    model: str | None = None
    message: str = ""
    expected_seconds: float = ESTIMATE_SECONDS
    log: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        elapsed = ((self.finished_at or time.time()) - self.started_at) if self.started_at else 0.0
        if self.state == "done":
            progress = 100
        elif self.state == "training":
            progress = min(95, int(100 * elapsed / self.expected_seconds))
        elif self.state == "swapping":
            progress = 97
        else:
            progress = 0
        return {"state": self.state, "started_by": self.started_by, "elapsed_seconds": round(elapsed),
                "progress": progress, "model": self.model, "message": self.message, "log": self.log[-8:]}


def _expected_seconds() -> float:
    try:
        return float(json.loads(training.STATS_FILE.read_text())["train_seconds"])
    except (OSError, ValueError, KeyError):
        return ESTIMATE_SECONDS


class Retrainer:
    """Runs one training at a time and hands the new model to `swap`."""

    def __init__(self, swap: Callable[[Path], None]) -> None:
        self._swap = swap
        self._lock = threading.Lock()
        self.status = RetrainStatus()

    def start(self, actor: str) -> bool:
        """Start a training; False when one is already running."""
        with self._lock:
            if self.status.state in ("training", "swapping"):
                return False
            self.status = RetrainStatus("training", actor, time.time(), expected_seconds=_expected_seconds(),
                                        message="正在训练新模型")
        threading.Thread(target=self._run, name="retrain", daemon=True).start()
        return True

    def _run(self) -> None:
        status = self.status
        env = dict(os.environ, KNOWLEDGE_DIR=str(settings.KNOWLEDGE_DIR), RASA_TELEMETRY_ENABLED="false")
        proc = subprocess.Popen([sys.executable, "-m", "bot.training"], cwd=settings.ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            status.log.append(line.rstrip())
        if proc.wait() != 0:
            status.state, status.finished_at = "failed", time.time()
            status.message = "训练失败，当前模型继续使用；详情见训练日志"
            return
        model = Path(status.log[-1].strip())  # `bot.training` prints the model's path last
        status.state, status.model, status.message = "swapping", model.name, "正在切换到新模型"
        try:
            self._swap(model)
        except Exception as exc:  # the swap is an HTTP call; any failure keeps the old model
            status.state, status.message = "failed", f"新模型已训练，但切换失败（{exc}）；当前模型继续使用"
        else:
            status.state, status.message = "done", "新模型已上线，进行中的对话不受影响"
        status.finished_at = time.time()
