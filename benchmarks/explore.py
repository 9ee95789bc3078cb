"""How live the explorer feels: simulated days per second with the charts drawn, and the
time from a moved slider to the first new point. Prints a table.

    python benchmarks/explore.py            # 10^4 and 10^5 customers, a year each (or --budget seconds)
    python benchmarks/explore.py --quick    # 8 s per size

What is counted: both strategies (harvest, nurture, one replication each) on the speed
scenario of ``benchmarks/run.py`` (the default cosmetics scenario, pool 90 % full on day
0), played by the explorer's own playback policy (:mod:`siyu.explorer.playback`) with
every chart of the page rebuilt at each redraw and handed to a plotly ``FigureWidget`` as
``solara.FigurePlotly`` hands it (layout, then the new traces, then the old ones dropped:
what the server does per redraw; the browser then draws the figure on its own CPU), its
caption written, and the verdict recomputed every
:data:`siyu.explorer.app.VERDICT_EVERY` days, as the page does; one process, one core.
Days per second = days simulated / wall seconds, drawing included; days per CPU-second =
days simulated / this process's CPU seconds, the figure to compare with the targets on a
shared machine (the playback policy counts CPU time, so a busy machine changes the wall
time, not the work per day). "drawing" is the share of wall time spent redrawing. Slider
to first point = building the run with harvest's Moments posts changed (6.5 -> 2), its
first day, and drawing every chart once, in wall and CPU seconds. No test asserts on them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from plotly.graph_objs import FigureWidget  # noqa: E402
from run import speed_scenario  # noqa: E402

from siyu.explorer.app import VERDICT_EVERY  # noqa: E402
from siyu.explorer.charts import CHARTS, DRAW, latest  # noqa: E402
from siyu.explorer.live import LiveComparison, Settings  # noqa: E402
from siyu.explorer.playback import play  # noqa: E402

#: the targets the issue sets (days per second, both strategies, charts included)
TARGETS = {10**4: 100.0, 10**5: 20.0}
SLIDER_TARGET_S = 1.0


def hand_over(widget: FigureWidget, figure) -> None:
    """What ``solara.FigurePlotly`` does with a new figure (its ``update_data``)."""
    widget.layout = figure.layout
    length = len(widget.data)
    widget.add_traces(figure.data)
    widget.data = list(widget.data)[length:]


#: one widget per chart, as the page keeps one per chart across redraws
WIDGETS: dict[str, FigureWidget] = {}


def draw_page(live: LiveComparison, last_verdict: list[int]) -> None:
    """What a redraw of the page costs the server: every chart built and handed to its
    widget, its caption, the verdict when due."""
    for name in CHARTS:
        hand_over(WIDGETS.setdefault(name, FigureWidget()), DRAW[name](live, "en"))
        latest(live, name, "en")
    due = live.day - live.day % VERDICT_EVERY
    if due and due != last_verdict[0]:
        live.verdicts("en")
        last_verdict[0] = due


def measure(customers: int, budget_s: float | None) -> dict:
    scenario = speed_scenario(customers)
    warm = LiveComparison(Settings(speed_scenario(1000, 2)))  # compile once: a per-process cost
    play(warm, lambda: draw_page(warm, [0]))

    live = LiveComparison(Settings(scenario))
    last = [0]
    stop = threading.Event()
    timer = threading.Timer(budget_s, stop.set) if budget_s is not None else None
    if timer is not None:
        timer.start()
    cpu = time.process_time()
    clock = play(live, lambda: draw_page(live, last), stop=stop)
    cpu = time.process_time() - cpu
    if timer is not None:
        timer.cancel()

    moved = scenario.with_overrides({"strategy.levers.harvest.moments_posts": 2.0})
    t, t_cpu = time.perf_counter(), time.process_time()
    restarted = LiveComparison(Settings(moved))
    restarted.advance(1)
    draw_page(restarted, [0])
    to_first_point, to_first_point_cpu = time.perf_counter() - t, time.process_time() - t_cpu
    return {"customers": customers, "days": clock.days, "wall_s": clock.seconds, "days_per_s": clock.days_per_second,
            "drawing_share": clock.drawing / clock.seconds, "cpu_s": cpu, "days_per_cpu_s": clock.days / cpu,
            "slider_to_first_point_s": to_first_point, "slider_to_first_point_cpu_s": to_first_point_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="stop each size after 8 s instead of a full year")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    rows = [measure(n, 8.0 if args.quick else None) for n in TARGETS]
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def table(rows: list[dict]) -> str:
    lines = ["\nsiyu explore — both strategies, charts drawn, one process",
             f"{'N':>9} {'days':>5} {'wall s':>7} {'days/s':>7} {'days/cpu-s':>11} {'target':>7} {'drawing':>8} "
             f"{'slider to 1st point s (cpu s)':>30}"]
    for r in rows:
        lines.append(f"{r['customers']:>9,} {r['days']:5d} {r['wall_s']:7.2f} {r['days_per_s']:7.1f} "
                     f"{r['days_per_cpu_s']:11.1f} {TARGETS[r['customers']]:7.0f} {100 * r['drawing_share']:7.0f}% "
                     f"{r['slider_to_first_point_s']:22.2f} ({r['slider_to_first_point_cpu_s']:.2f})")
    lines.append(f"(targets: days/s as listed; slider to first point under {SLIDER_TARGET_S:.0f} s; days/cpu-s: "
                 "per second of this process's CPU time, what an unshared core would give)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
