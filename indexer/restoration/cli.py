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


def add_restore_arguments(p: argparse.ArgumentParser) -> None:
    from .methods import METHODS

    p.add_argument("--image", required=True, help="the image to restore (JPEG, PNG, TIFF)")
    p.add_argument("--mask", required=True, help="8-bit mask of the same size, nonzero = lost")
    p.add_argument("--method", required=True, choices=sorted(METHODS))
    p.add_argument("--out", required=True, help="where to write the restored image")
    p.add_argument("--model", help="pconv model file (default: the committed model)")
    p.add_argument("--candidates", nargs="*", default=[],
                   help="search-guided: intact crops of the same motif")
    p.add_argument("--tile", type=int, help="restore in windows of this many px")
    p.add_argument("--threads", type=int, help="torch threads (1 is fastest on a busy CPU)")
    p.add_argument("--json", action="store_true")


def restore_file(
    image: str, mask: str, method: str, out: str, model: str | None = None,
    candidates: Sequence[str] = (), tile: int | None = None,
) -> dict:
    """Restore an image file into `out` (written whole or not at all); returns the record
    {"method", "model", "seconds", "out", "details"} that restore_image prints."""
    from .data import read_rgb
    from .masks import read_mask
    from .methods import restore
    from .models import atomic_write

    if not Path(image).is_file():
        raise RestorationError(f"no such image: {image}")
    pixels = read_rgb(image)
    lost = read_mask(mask, pixels.shape[:2])
    params: dict = {}
    if model:
        params["model"] = model
    if candidates:
        params["candidates"] = [(str(c), read_rgb(c)) for c in candidates]
    if tile:
        params["tile"] = tile
    result = restore(pixels, lost, method, **params)
    write_image(out, result.image, atomic_write)
    details = {k: v for k, v in result.details.items() if k != "model"}
    return {
        "method": method,
        "model": result.model,
        "seconds": round(result.seconds, 3),
        "out": str(out),
        "details": details,
    }


def write_image(path: str, image, atomic_write) -> None:
    import cv2

    suffix = Path(path).suffix.lower() or ".png"
    if suffix not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        raise RestorationError(f"cannot write {suffix} images: use .png, .jpg or .tif")
    ok, data = cv2.imencode(suffix, image[..., ::-1])
    if not ok:
        raise RestorationError(f"could not encode the result as {suffix}")
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data.tobytes()))


def _threads(n: int | None) -> None:
    if n:
        import torch

        torch.set_num_threads(n)


def cmd_restore(args: argparse.Namespace, argv: Sequence[str]) -> dict:
    _threads(args.threads)
    return restore_file(args.image, args.mask, args.method, args.out, args.model,
                        args.candidates, args.tile)


def add_evaluate_arguments(p: argparse.ArgumentParser) -> None:
    from .evaluation import DEFAULT_METHODS

    p.add_argument("--data", help="a folder of intact images, split by wall "
                   "(default: ../shared/data/murals/mogao-220 where present)")
    p.add_argument("--synthetic", action="store_true", help="evaluate on synthetic murals")
    p.add_argument("--crops", type=int, default=60)
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS))
    p.add_argument("--model", help="pconv model file (default: the committed model)")
    p.add_argument("--finetune-steps", type=int, default=0,
                   help="also fine-tune pconv on the training walls (kept under var/)")
    p.add_argument("--seed", type=int, default=220)
    p.add_argument("--no-region", action="store_true", help="skip the 2048 x 2048 timing")
    p.add_argument("--no-motifs", action="store_true", help="skip search-guided on motifs")
    p.add_argument("--threads", type=int, help="torch threads")
    p.add_argument("--json", action="store_true")


def cmd_evaluate(args: argparse.Namespace, argv: Sequence[str]) -> dict:
    from .evaluation import evaluate

    _threads(args.threads)
    if args.crops < 1:
        raise RestorationError("--crops must be at least 1")
    return evaluate(
        data=args.data,
        synthetic=args.synthetic,
        crops=args.crops,
        methods=tuple(m for m in args.methods.split(",") if m),
        model=args.model,
        finetune_steps=args.finetune_steps,
        seed=args.seed,
        region=not args.no_region,
        motifs=not args.no_motifs,
    )


COMMANDS = {"restore-image": cmd_restore, "train": cmd_train, "evaluate": cmd_evaluate}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m indexer.restoration", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_restore_arguments(sub.add_parser("restore-image", help="restore an image file"))
    train = sub.add_parser("train", help="train or fine-tune the pconv inpainter")
    add_train_arguments(train)
    train.add_argument("--json", action="store_true")
    add_evaluate_arguments(sub.add_parser("evaluate", help="score every method"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        result = COMMANDS[args.command](args, argv)
    except RestorationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "evaluate":
        from .evaluation import format_table

        print(format_table(result))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif args.command == "restore-image":
        print(f"wrote {result['out']} ({result['method']}, {result['seconds']:.2f} s)")
    return 0
