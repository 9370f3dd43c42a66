"""What checking and cleaning evidence costs: a phone photo, a phone screenshot, PDFs, and whole uploads.

    .venv/bin/python -m bench.evidence [--runs R]

Timed (median of ``--runs``): ``prepare`` (type from the content, images decoded and encoded again, PDFs walked)
on a 12-megapixel JPEG photo, a 1170×2532 PNG screenshot, a 200-page text-free PDF and a 10-page PDF of scanned
pages; then ``attach`` through the engine on SQLite (lock the case, count, store in a folder, row and audit event,
commit) for 20 screenshots in a row on one case. Inputs are made here, from noise, so they compress like photos.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from PIL import Image
from pypdf import PdfWriter

from bench._common import sqlite_database
from engine.cases.engine import CaseEngine
from engine.cases.intake import file_complaint
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.evidence import attachments
from engine.evidence.content import prepare
from engine.evidence.store import FilesystemStore
from processes import FOLDER as PROCESSES


def photo(size=(4000, 3000)) -> bytes:
    noise = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, Image.linear_gradient("L").resize(size).convert("RGB"), 0.6).save(
        out, format="JPEG", quality=90
    )
    return out.getvalue()


def screenshot(size=(1170, 2532)) -> bytes:
    image = Image.new("RGB", size, (245, 245, 245))
    image.paste(Image.effect_noise((size[0], size[1] // 3), 20).convert("RGB"), (0, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(pages: int) -> bytes:
    scans = [Image.effect_noise((1240, 1754), 30).convert("RGB") for _ in range(pages)]
    out = io.BytesIO()
    scans[0].save(out, format="PDF", save_all=True, append_images=scans[1:], quality=60)
    return out.getvalue()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = perf_counter()
        fn()
        times.append(perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}")
    inputs = {
        "12 MP JPEG photo": photo(),
        "1170x2532 PNG screenshot": screenshot(),
        "200-page PDF": blank_pdf(200),
        "10-page scanned PDF": scanned_pdf(10),
    }
    for name, data in inputs.items():
        kept = prepare(data)
        ms = median_ms(lambda data=data: prepare(data), args.runs)
        print(
            f"prepare {name:26} {len(data) / 2**20:5.1f} MiB -> {len(kept.data) / 2**20:5.1f} MiB  {ms:8.1f} ms"
        )

    with tempfile.TemporaryDirectory() as folder:
        db = sqlite_database(Path(folder), "evidence")
        clock = FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
        store = FilesystemStore(Path(folder) / "attachments")
        shot = screenshot()
        with db.session() as session:
            deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="bench", clock=clock)
            engine = CaseEngine(session, clock)
            submission = {
                "complaint": {
                    "channel": "app",
                    "business_type": "bank_card",
                    "category": "fee_dispute",
                    "description": "Charged twice for the annual fee",
                    "amount": 120,
                },
                "customer": {"id": "C-BENCH", "name": "Zhang San", "phone": "13800000000"},
            }
            case = file_complaint(engine, submission, actor="bench").case
            started = perf_counter()
            for n in range(20):
                attachments.attach(
                    engine,
                    case.id,
                    filename=f"shot-{n}.png",
                    data=shot,
                    actor="bench",
                    source="staff",
                    store=store,
                )
            elapsed = perf_counter() - started
        print(
            f"attach 20 screenshots to one case on SQLite: {elapsed:.2f} s ({elapsed / 20 * 1000:.0f} ms each)"
        )


if __name__ == "__main__":
    main()
