"""The Django-free command line: restore-image, train and evaluate. The management commands
restore_image, train_inpainter and evaluate_inpainting wrap these functions.

Bad input exits 2 with one line on stderr; --json prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import RestorationError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="a folder of intact images")
    source.add_argument("--synthetic", type=int, help="train on N synthetic murals")
    p.add_argument("--split", default="all", choices=("all", "train"),
                   help="with --data: all images, or only the training walls")
    p.add_argument("--synthetic-seed", type=int, default=0)
    p.add_argument("--masks", default="mixed", choices=("dust", "jelly", "mixed"))
    length = p.add_mutually_exclusive_group(required=True)
    length.add_argument("--steps", type=int)
    length.add_argument("--epochs", type=float, help="passes over the data's area in crops")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--checkpoint-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", help="a model to fine-tune (e.g. the committed default)")
    p.add_argument("--name", default="dunhuang-pconv")
    p.add_argument("--threads", type=int, help="torch threads (1 is fastest on a busy CPU)")
    p.add_argument("--run-dir", required=True, help="checkpoints go here (last.pt)")
    p.add_argument("--out", required=True, help="the model file; its card is <out>.json")
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir")


def train_options(args: argparse.Namespace, command: str):
    from .training import TrainOptions

    return TrainOptions(
        out=args.out,
        run_dir=args.run_dir,
        data=args.data,
        split=args.split,
        synthetic=args.synthetic,
        synthetic_seed=args.synthetic_seed,
        masks=args.masks,
        steps=args.steps,
        epochs=args.epochs,
        batch=args.batch,
        crop=args.crop,
        lr=args.lr,
        checkpoint_every=args.checkpoint_every,
        seed=args.seed,
        init=args.init,
        name=args.name,
        threads=args.threads,
        command=command,
    )


def _command_line(argv: Sequence[str]) -> str:
    words = [w for w in argv if w != "--resume"]
    return "python -m indexer.restoration " + " ".join(shlex.quote(w) for w in words)


def cmd_train(args: argparse.Namespace, argv: Sequence[str]) -> dict:
    from .training import train

    card = train(train_options(args, _command_line(argv)), resume=args.resume)
    return {k: card[k] for k in ("name", "file", "sha256", "bytes", "steps", "metrics")}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m indexer.restoration", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_train_arguments(sub.add_parser("train", help="train or fine-tune the pconv inpainter"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        result = {"train": cmd_train}[args.command](args, argv)
    except RestorationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "json", True):
        print(json.dumps(result, ensure_ascii=False))
    return 0


__all__ = ["main", "build_parser", "Path"]
