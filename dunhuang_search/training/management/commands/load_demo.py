"""`manage.py load_demo`: generate the synthetic demo murals, ingest them, and index them.

Idempotent: murals already in the catalogue (same checksum) are kept, not added twice. It lives
in the training app, the highest layer it needs: it registers the demo detector, then indexes.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from tqdm import tqdm

from dunhuang_search.catalogue.ingest import IngestError, ingest_mural
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.commands import DatabaseCommand, parse_size
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import register_weights_file
from indexer.files import file_sha256
from indexer.synthetic import make_demo_murals


class Command(DatabaseCommand):
    help = "Generate, ingest and index the synthetic demo murals (used by `make demo`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=6)
        parser.add_argument("--size", default="4096x3072", help="WIDTHxHEIGHT")
        parser.add_argument("--seed", type=int, default=2022)
        parser.add_argument("--no-index", action="store_true", help="ingest only")

    def handle(self, *args, **options) -> None:
        width, height = parse_size(options["size"])
        if options["count"] < 1:
            raise CommandError("--count must be at least 1", returncode=2)
        outdir = Path(settings.VAR_DIR) / "demo" / f"{width}x{height}-seed{options['seed']}"
        records = self._generate(outdir, options["count"], width, height, options["seed"])
        murals = self._ingest(outdir, records)
        self.stdout.write(
            f"{len(murals)} demo murals in the catalogue: " + ", ".join(str(m.pk) for m in murals)
        )
        if not options["no_index"]:
            self._index(murals)

    def _ingest(self, outdir: Path, records: list[dict]) -> list[Mural]:
        murals = []
        for record in tqdm(records, desc="ingest", unit="mural", disable=None):
            path = outdir / record["file"]
            existing = Mural.objects.filter(checksum=file_sha256(path)).first()
            if existing is not None:
                murals.append(existing)
                continue
            try:
                murals.append(
                    ingest_mural(
                        path,
                        site=record["site"],
                        cave=record["cave"],
                        wall=record["wall"],
                        period=record["period"],
                        title=record["title"],
                    )
                )
            except IngestError as exc:
                raise CommandError(f"{record['file']}: {exc}", returncode=2) from exc
        return murals

    def _index(self, murals: list[Mural]) -> None:
        """Register the demo detector (unless one is active), then index the murals."""
        if DetectorModel.active() is None:
            if not Path(settings.DETECTOR_WEIGHTS).is_file():
                self.stdout.write(
                    f"no detector weights at {settings.DETECTOR_WEIGHTS}: not indexing "
                    f"(set DETECTOR_WEIGHTS, or train one with train_detector)"
                )
                return
            detector = register_weights_file(settings.DETECTOR_WEIGHTS)
            self.stdout.write(f"detector {detector.name} registered and active")
        call_command("index", mural=[m.pk for m in murals], stdout=self.stdout, stderr=self.stderr)

    def _generate(self, outdir: Path, count: int, width: int, height: int, seed: int) -> list:
        metadata = outdir / "metadata.json"
        if metadata.exists():
            records = json.loads(metadata.read_text(encoding="utf-8"))
            if len(records) == count and all((outdir / r["file"]).exists() for r in records):
                return records
        return make_demo_murals(outdir, count, width, height, seed, progress=tqdm)
