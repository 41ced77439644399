"""`make bench`: every benchmark at its defaults, one after the other, then one table.

Each is also runnable alone (python -m bench.tally, bench.broadcast, bench.answers,
bench.wave, bench.footprint). A benchmark that fails (PostgreSQL unreachable, say) gets a row
saying so and the others still run.

    python -m bench
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench import answers, broadcast, footprint, tally, wave
from bench.processes import LOG


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


def _yes(met: bool | None) -> str:
    return {True: "yes", False: "no", None: "—"}[met]


def tally_rows(timings: list[tally.Timing]) -> list[Row]:
    rows = []
    for t in timings:
        target = tally.TARGETS[t.backend]
        rows += [
            Row(
                f"tally {t.flats} flats, {t.backend}",
                f"{t.tally:.3f} s",
                f"GROUP BY {t.bare:.3f} s",
                f"{t.ratio:.2f}×",
                f"≤ {target:g}×",
                t.ratio <= target,
            ),
            Row(
                f"art. 278 figures, {t.backend}",
                f"{t.art_278:.3f} s",
                f"GROUP BY {t.bare:.3f} s",
                f"{t.art_278_ratio:.2f}×",
                f"≤ {tally.ART_278_TARGET:g}×",
                t.art_278_ratio <= tally.ART_278_TARGET,
            ),
            Row(
                f"/tally's work (tally, chart), {t.backend}",
                f"{t.reply:.2f} s",
                "",
                "",
                f"≤ {tally.REPLY_TARGET:g} s",
                t.reply <= tally.REPLY_TARGET,
            ),
        ]
    return rows


def broadcast_rows(runs: list[broadcast.Run]) -> list[Row]:
    baseline, outbox = (r.stats["achieved_rate"] or 0.0 for r in runs)
    rate = runs[1].rate
    clean = all(r.lost == 0 and r.stats["duplicates"] == 0 for r in runs)
    return [
        Row(
            f"broadcast {runs[1].stats['sent']} residents, SQLite",
            f"{outbox:.1f}/s of {rate:g}/s",
            f"bare loop {baseline:.1f}/s",
            f"{outbox / rate:.3f}",
            "≥ 0.95 of the rate, 0 lost/dup",
            outbox / rate >= 0.95 and clean,
        )
    ]


def answers_rows(label: str, goal: float) -> Callable[[list[answers.Round]], list[Row]]:
    def rows(rounds: list[answers.Round]) -> list[Row]:
        linli = answers.best(rounds, "linli")
        clean = all(r.lost == 0 and r.duplicates == 0 for r in rounds)
        bare = answers.best(rounds, "baseline (linli polling)")
        return [
            *(
                Row(
                    f"answers, {linli.presses} at once, {label}",
                    f"{linli.rate:.1f}/s",
                    f"no-op, {polling} polling {baseline.rate:.1f}/s",
                    f"{linli.rate / baseline.rate:.2f}",
                    f"≥ {goal:g}, 0 lost/dup",
                    linli.rate / baseline.rate >= goal and clean,
                )
                for polling in ("aiogram", "linli")
                for baseline in [answers.best(rounds, f"baseline ({polling} polling)")]
            ),
            Row(
                f"bot CPU and Bot API calls per answer, {label}",
                f"{linli.cpu_ms:.1f} ms, {linli.calls / linli.presses:.1f} calls",
                f"no-op {bare.cpu_ms:.1f} ms, {bare.calls / bare.presses:.1f} calls",
                f"{linli.cpu_ms / bare.cpu_ms:.1f}×",
                f"≤ {answers.CPU_TARGET_MS:g} ms",
                linli.cpu_ms <= answers.CPU_TARGET_MS,
            ),
        ]

    return rows


def wave_rows(label: str) -> Callable[[wave.Wave], list[Row]]:
    def rows(found: wave.Wave) -> list[Row]:
        return [
            Row(
                f"wave: {found.answering} of {found.residents} answer as notified, {label}",
                f"press to reply p95 {found.p95:.2f} s",
                f"floor {found.floor:.2f} s",
                f"{found.p95 / found.floor:.1f}×",
                f"≤ {wave.P95_TARGET:g} s, 0 lost/dup",
                found.p95 <= wave.P95_TARGET and found.lost == found.duplicates == 0,
            )
        ]

    return rows


def footprint_rows(found: footprint.Footprint) -> list[Row]:
    return [
        Row(
            "start-up to first update",
            f"{found.start:.2f} s",
            f"bare aiogram {found.bare_start:.2f} s",
            f"{found.start / found.bare_start:.1f}×",
            "—",
            None,
        ),
        Row(
            f"RSS idle, {found.flats} flats",
            f"{found.idle_mb:.0f} MB",
            f"bare aiogram {found.bare_idle_mb:.0f} MB",
            f"{found.idle_mb / found.bare_idle_mb:.1f}×",
            f"≤ {footprint.IDLE_MB} MB",
            found.idle_mb <= footprint.IDLE_MB,
        ),
        Row(
            "RSS after /tally with its chart",
            f"{found.tally_mb:.0f} MB, peak {found.peak_mb:.0f}",
            f"bare aiogram {found.bare_idle_mb:.0f} MB",
            f"{found.tally_mb / found.bare_idle_mb:.1f}×",
            f"≤ {footprint.AFTER_TALLY_MB} MB",
            found.tally_mb <= footprint.AFTER_TALLY_MB,
        ),
        Row(
            f"/tally with chart in the chat, {found.flats} flats",
            f"{found.tally_seconds:.2f} s",
            "",
            "",
            "≤ 1 s",
            found.tally_seconds <= 1,
        ),
    ]


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], Coroutine[Any, Any, Any]]
    rows: Callable[[Any], list[Row]]
    show: Callable[[Any], str] | None = None  # its own report; None: it prints as it goes


STEPS = [
    Step(
        "tally", lambda: tally.main(["sqlite", "postgresql"], 50_000, 5), tally_rows, tally.report
    ),
    Step("broadcast", lambda: broadcast.bench(5000, 240, 200, None), broadcast_rows),
    Step(
        "answers",
        lambda: answers.bench(300, 3, 60, None),
        answers_rows("SQLite", answers.target(None, 0)),
        lambda found: answers.report(found, answers.target(None, 0)),
    ),
    Step(
        "answers, 50 ms per Bot API call",
        lambda: answers.bench(200, 3, 120, None, latency=0.05),
        answers_rows("SQLite, 50 ms", answers.target(None, 0.05)),
        lambda found: answers.report(found, answers.target(None, 0.05)),
    ),
    Step(
        "answers on PostgreSQL, 50 ms per Bot API call",
        lambda: answers.bench(200, 3, 120, "postgresql", latency=0.05),
        answers_rows("PostgreSQL, 50 ms", answers.target("postgresql", 0.05)),
        lambda found: answers.report(found, answers.target("postgresql", 0.05)),
    ),
    Step(
        "wave",
        lambda: wave.bench(1000, 0.3, 25, 5, 0.05, None),
        wave_rows("SQLite"),
        lambda found: "\n".join(found.lines()),
    ),
    Step(
        "wave on PostgreSQL",
        lambda: wave.bench(1000, 0.3, 25, 5, 0.05, "postgresql"),
        wave_rows("PostgreSQL"),
        lambda found: "\n".join(found.lines()),
    ),
    Step(
        "footprint",
        lambda: footprint.bench(50_000, 3, None),
        footprint_rows,
        lambda found: "\n".join(found.lines()),
    ),
]


def table(rows: list[Row]) -> str:
    header = ("benchmark", "figure", "baseline", "ratio", "target", "met")
    cells = [header, *((*_fields(row), _yes(row.met)) for row in rows)]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    return "\n".join(
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in cells
    )


def _fields(row: Row) -> tuple[str, str, str, str, str]:
    return row.benchmark, row.figure, row.baseline, row.ratio, row.target


def main() -> None:
    rows: list[Row] = []
    started = time.perf_counter()
    for step in STEPS:
        print(f"== {step.name}", flush=True)
        try:
            found = asyncio.run(step.run())
        except Exception as error:  # one failure must not hide the other figures
            traceback.print_exc()
            print(f"(the bots' and the sandbox's logs: {LOG})")
            rows.append(Row(step.name, f"failed: {error!r}"[:60], "", "", "", False))
            continue
        if step.show is not None:
            print(step.show(found))
        rows += step.rows(found)
    print(f"\n== results ({time.perf_counter() - started:.0f} s)")
    print(table(rows))


if __name__ == "__main__":
    main()
