"""The ``workbench`` command: every result the window shows, scripted.

``--json`` prints exactly one JSON document on stdout and nothing else there. Bad input (an
unknown recipe, a parameter out of range, a bad worker list) exits 2 with one line on stderr that
says what was wrong and what is allowed. ``run`` exits 0 when the run completed, whatever its
result, and 1 when it failed, timed out or was cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench import catalog, cli_explore, compare, controller, export, mpi_cli
from workbench.catalog import CatalogError
from workbench.history import History
from workbench.machine import machine_info
from workbench.spec import DEFAULT_TIMEOUT_S, TRACE_MODES, RunRecord, RunSpec, Status
from workbench.sweep import Sweep, parse_workers


class UsageError(Exception):
    """Bad input: exit 2 with this one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="workbench",
        description="Parallel Workbench: run, sweep and watch "
        "parallel Python recipes. Without a command it opens the window.",
    )
    sub = parser.add_subparsers(dest="command", parser_class=Parser)

    p = sub.add_parser("list", help="the catalog of recipes")
    p.add_argument("--json", action="store_true")

    for name, helptext in (("run", "run one recipe"), ("sweep", "sweep a recipe over workers")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id", help="recipe id, e.g. threads.lock_counter")
        p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
        p.add_argument(
            "--workers",
            required=name == "sweep",
            help="worker count" if name == "run" else "worker counts: 1,2,4 or 1-4",
        )
        p.add_argument("--repeat", type=int, default=1 if name == "run" else 3)
        p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per run")
        p.add_argument("--json", action="store_true")
        mpi_cli.add_arguments(p)
        if name == "run":
            p.add_argument(
                "--trace",
                nargs="?",
                const="sync",
                choices=TRACE_MODES,
                help="trace locks, waits and threads (sync); 'full' also traces "
                "reads and writes of shared state to find data races (slow)",
            )
            p.add_argument(
                "--out",
                metavar="FILE",
                help="with --trace: save the trace (.json Chrome/Perfetto, .npz native)",
            )

    p = sub.add_parser("trace", help="run your own script traced: locks, waits, deadlocks")
    p.add_argument("script", help="a Python file")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds")
    p.add_argument("--out", metavar="FILE", help="save the trace (.json Chrome/Perfetto, .npz)")
    p.add_argument(
        "--mode",
        choices=TRACE_MODES,
        default="full",
        help="sync: primitives only; "
        "full (default): also shared-state reads and writes, for data races",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--mpi", type=int, metavar="N", help="run the script as N MPI ranks")
    mpi_cli.add_arguments(p)
    p.set_defaults(args=[])  # the script's own arguments: everything after "--"

    p = sub.add_parser("compare", help="sweep one workload on every backend (the GIL lesson)")
    p.add_argument("--workers", required=True, help="worker counts: 1,2,4 or 1-4")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per run")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("history", help="past runs and sweeps")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--export", metavar="FILE", help="write runs/sweeps to FILE (.csv or .json)")
    p.add_argument(
        "--id",
        action="append",
        default=[],
        metavar="ID",
        help="with --export: these run or sweep ids (default: the listed ones)",
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("gui", help="open the window (scripted: run, screenshot, exit)")
    p.add_argument("--run", metavar="ID", help="choose this recipe (and run it)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--sweep", metavar="WORKERS", help="sweep instead of a single run: 1,2,4")
    p.add_argument("--compare", metavar="WORKERS", help="compare backends over these workers")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--screenshot", metavar="FILE", help="save a PNG of the window at the end")
    p.add_argument("--exit", action="store_true", help="quit when done (0 ok, 1 failed)")
    p.add_argument(
        "--show",
        metavar="PANEL",
        help="bring this panel to the front: result, speedup, lesson, cores, console, history",
    )
    p.add_argument("--theme", choices=("light", "dark"))
    cli_explore.add_gui_options(p)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per run")
    p.add_argument(
        "--trace",
        nargs="?",
        const="sync",
        choices=TRACE_MODES,
        help="trace the run (sync, or full for data races)",
    )
    p.add_argument(
        "--trace-script", metavar="FILE", help="trace your own script (mode: --trace, or full)"
    )

    cli_explore.add_parsers(sub)

    p = sub.add_parser("devices", help="cores, CPU, Python and parallel libraries")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("roofline", help="memory bandwidth and peak compute of an OpenCL device")
    p.add_argument("--device", default="auto", help="auto, an index like 0:1, or part of a name")
    p.add_argument("--refresh", action="store_true", help="measure again, not from the cache")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if "--" in argv:  # workbench trace SCRIPT.py [options] -- ARGS...
        argv, rest = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    try:
        args = build_parser().parse_args(argv)
        if rest and args.command != "trace":
            raise UsageError(f"unrecognized arguments: -- {' '.join(rest)}")
        if rest:
            args.args = rest
        if args.command is None:
            return open_window()
        return COMMANDS[args.command](args)
    except (UsageError, CatalogError, ValueError) as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2


def open_window(args: argparse.Namespace | None = None) -> int:
    """The window lives in ``ui``; it is imported only here, so the engine stays Qt-free."""
    try:
        from ui.app import Script
        from ui.app import main as gui_main
    except ImportError as exc:
        print(
            f"workbench: the window cannot open: {exc}; the commands work without it "
            "(workbench --help)",
            file=sys.stderr,
        )
        return 2
    if args is None:
        return gui_main()
    if args.explore:
        return cli_explore.open_step_view(args)
    if args.compare and not args.run:
        args.run = compare.compare_recipes()[0].id  # -p then sets the compared workload
    if args.run:
        catalog.parse_assignments(catalog.get(args.run), args.param)  # bad input: exit 2 now
    if (args.sweep or args.param) and not args.run:
        raise UsageError("--sweep and -p need --run ID")
    for workers in (args.sweep, args.compare):
        if workers:
            parse_workers(workers)
    if args.repeat < 1:
        raise UsageError(f"--repeat {args.repeat}: must be 1 or more")
    if args.trace_script:
        from workbench import script_runner

        script_runner.check(args.trace_script)  # a missing file or bad syntax: exit 2 now
    return gui_main(
        Script(
            run=args.run,
            params=args.param,
            sweep=args.sweep,
            compare=args.compare,
            repeat=args.repeat,
            screenshot=args.screenshot,
            exit=args.exit,
            show=args.show,
            theme=args.theme,
            timeout_s=args.timeout,
            trace=args.trace,
            trace_script=args.trace_script,
        )
    )


def emit(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def cmd_list(args: argparse.Namespace) -> int:
    recipes = catalog.recipes()
    for recipe_id, reason in catalog.broken().items():
        print(f"workbench: warning: recipe {recipe_id} left out: {reason}", file=sys.stderr)
    if args.json:
        emit([r.as_dict() for r in recipes])
        return 0
    for r in recipes:
        badge = " [bug]" if r.shows_bug else ""
        print(f"{r.id:34} {r.title}{badge}")
    return 0


def _spec(args: argparse.Namespace) -> tuple[catalog.Recipe, dict[str, Any]]:
    recipe = catalog.get(args.id)
    values = catalog.parse_assignments(recipe, args.param)
    if args.repeat < 1:
        raise UsageError(f"--repeat {args.repeat}: must be 1 or more")
    if args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout:g}: must be more than 0 seconds")
    return recipe, values


def cmd_run(args: argparse.Namespace) -> int:
    recipe, values = _spec(args)
    if args.workers is not None:
        if not recipe.sweepable:
            raise UsageError(
                f"{recipe.id} has no workers parameter; its parameters: "
                f"{', '.join(recipe.param_names())}"
            )
        values["workers"] = recipe.param("workers").parse(args.workers)
    if args.out and not args.trace:
        raise UsageError("--out needs --trace")
    _check_out(args.out)
    spec = RunSpec.make(
        recipe.id,
        catalog.resolve(recipe, values),
        repeat=args.repeat,
        timeout_s=args.timeout,
        trace=bool(args.trace),
        trace_mode=args.trace or "sync",
        launch=mpi_cli.options(args, recipe.backend),
    )
    run, record = _run_and_wait(spec, args.json)
    _save_trace(run, args.out)
    if args.json:
        emit(record.as_dict())
    else:
        print_record(record)
        print_findings(record)
    return 0 if record.status is Status.OK else 1


def _run_and_wait(
    spec: RunSpec, quiet: bool, recipe: catalog.Recipe | None = None
) -> tuple[controller.Run, RunRecord]:
    run = controller.start(spec, [] if quiet else [_echo_console], History(), recipe=recipe)
    try:
        record = run.wait()
    except KeyboardInterrupt:
        run.cancel()
        record = run.wait()
    return run, record


def _check_out(out: str | None) -> None:
    """Before the run: a trace that cannot be written must not cost the user a whole run."""
    if not out:
        return
    if not out.lower().endswith((".json", ".npz")):
        raise UsageError(f"--out {out}: use .json (Chrome/Perfetto) or .npz (native)")
    path = Path(out)
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"--out {out}: is a directory")
    if not folder.is_dir():
        raise UsageError(f"--out {out}: no such directory: {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--out {out}: not writable")


def _save_trace(run: controller.Run, out: str | None) -> None:
    if out:
        from workbench import tracefile

        tracefile.save(out, run.trace_events(), run.strings, {"spec": run.spec.as_dict()})


def print_findings(record: RunRecord) -> None:
    if record.stats is None:
        return
    stats = record.stats
    print(
        f"trace: {stats['events']} events, {stats['dropped']} dropped, "
        f"{len(stats['threads'])} threads, {len(stats['locks'])} locks"
    )
    if stats.get("mpi"):
        from workbench.mpi_analysis import describe

        print(describe(stats["mpi"]))
    if not record.findings:
        print("findings: none")
    for finding in record.findings:
        print(f"[{finding['kind']}] {finding['message']}")
        for location in finding.get("locations", []):
            print(f"    at {location}")


TRACE_STATUS = {
    Status.OK: "ok",
    Status.DEADLOCK: "deadlock",
    Status.TIMEOUT: "timeout",
    Status.FAILED: "error",
    Status.CANCELLED: "cancelled",
}


def cmd_trace(args: argparse.Namespace) -> int:
    from workbench import script_runner

    try:
        script = script_runner.check(args.script)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout:g}: must be more than 0 seconds")
    _check_out(args.out)
    recipe = catalog.script_recipe(script)
    params = {"path": str(script), "args": json.dumps(args.args)}
    if args.mpi is not None:  # N ranks, each running the script, traced
        if not 1 <= args.mpi <= 64:
            raise UsageError(f"--mpi {args.mpi}: ranks must be from 1 to 64")
        recipe, params = mpi_cli.script_recipe(script, args.mpi), params | {"workers": args.mpi}
    spec = RunSpec.make(
        recipe.id,
        params,
        timeout_s=args.timeout,
        trace=True,
        trace_mode=args.mode,
        launch=mpi_cli.options(args, recipe.backend),
    )
    run, record = _run_and_wait(spec, args.json, recipe)
    _save_trace(run, args.out)
    exit_code = (record.result or {}).get("exit_code")
    status = TRACE_STATUS.get(record.status, str(record.status))
    if status == "ok" and exit_code:
        status = "error"
    doc = {
        "status": status,
        "exit_code": exit_code,
        "wall_s": record.wall_s,
        "findings": record.findings,
        "stats": record.stats,
        "run_id": spec.run_id,
        "trace_path": record.trace_path,
        "error": record.error_line() or None,
    }
    if args.json:
        emit(doc)
    else:
        print(f"\n{script.name}: {status}" + (f" (exit code {exit_code})" if exit_code else ""))
        if record.status is not Status.OK:
            print(f"  {record.error_line()}")
            if record.error and record.error.get("traceback"):  # where the script failed
                print(script_traceback(record.error["traceback"], script), file=sys.stderr)
        print_findings(record)
    return 0


def script_traceback(text: str, script: Path) -> str:
    """A traceback from the script's first frame on: the run host's frames above it are ours."""
    lines = text.rstrip().splitlines()
    first = next(
        (i for i, line in enumerate(lines) if line.strip().startswith(f'File "{script}"')), None
    )
    return "\n".join(lines[:1] + lines[first:]) if first else "\n".join(lines)


def _echo_console(kind: str, payload: Any) -> None:
    if kind == "log":
        print(payload["text"], file=sys.stderr if payload["stream"] == "stderr" else sys.stdout)


def print_record(record: RunRecord) -> None:
    print(f"\n{record.spec.recipe_id} [{record.spec.run_id}]: {record.status}", end="")
    if record.wall_s is not None:
        print(f" in {record.wall_s:.3f} s", end="")
        if record.startup_s is not None:
            print(f" (+ start-up {record.startup_s:.3f} s)", end="")
    print()
    shown = record.result if record.result is not None else record.partial
    if shown:
        if record.result is None:
            print("partial result (recorded before the run ended):")
        print_result(shown)
    if record.status is not Status.OK:
        print(f"error: {record.error_line()}", file=sys.stderr)
        if record.error and record.error.get("traceback"):
            print(record.error["traceback"].rstrip(), file=sys.stderr)


def print_result(result: dict[str, Any]) -> None:
    if "summary" in result:
        print(f"  {result['summary']}")
    for key, value in result.items():
        if key in ("summary", "series") or isinstance(value, list | dict):
            continue
        print(f"  {key:24} {value}")


def cmd_sweep(args: argparse.Namespace) -> int:
    recipe, values = _spec(args)
    sweep = Sweep(
        recipe, values, parse_workers(args.workers), repeat=args.repeat, timeout_s=args.timeout
    )
    sweep.launch = mpi_cli.options(args, recipe.backend)

    def on_point(record: RunRecord) -> None:
        if not args.json:
            w, t = record.spec.workers, record.wall_s
            print(
                f"  workers={w:<3} {record.status}" + (f"  median {t:.4f} s" if t else ""),
                file=sys.stderr,
            )

    try:
        sweep.run(on_point, history=History())
    except KeyboardInterrupt:
        sweep.cancel()
    summary = sweep.summary()
    if args.json:
        emit(summary)
    else:
        print_sweep(summary)
    return 0 if summary["status"] == Status.OK else 1


def print_sweep(summary: dict[str, Any]) -> None:
    print(f"\n{summary['id']} sweep [{summary['sweep_id']}]: {summary['status']}")
    print(
        f"  {'workers':>7} {'median s':>10} {'min s':>9} {'max s':>9} {'speedup':>8} "
        f"{'effic.':>7} {'K-F':>7}"
    )
    for p in summary["points"]:
        kf = "" if p["karp_flatt"] is None else f"{p['karp_flatt']:.3f}"
        noisy = "  noisy" if p["noisy"] else ""
        print(
            f"  {p['workers']:>7} {p['median_s']:>10.4f} {p['min_s']:>9.4f} {p['max_s']:>9.4f}"
            f" {p['speedup']:>8.2f} {p['efficiency']:>7.2f} {kf:>7}{noisy}"
        )
    if summary["amdahl"]:
        a = summary["amdahl"]
        print(f"  Amdahl fit: serial fraction {a['serial_fraction']:.3f} (R² {a['r2']:.3f})")
    if summary["error"]:
        print(f"error: {summary['error']}", file=sys.stderr)


def cmd_compare(args: argparse.Namespace) -> int:
    recipes = compare.compare_recipes()
    if not recipes:
        raise UsageError("no recipe declares COMPARE")
    values = catalog.parse_assignments(recipes[0], args.param)
    if args.repeat < 1:
        raise UsageError(f"--repeat {args.repeat}: must be 1 or more")
    sweeps = compare.plan(values, parse_workers(args.workers), args.repeat, args.timeout)

    def on_point(sweep: Sweep, record: RunRecord) -> None:
        if not args.json:
            t = record.wall_s
            print(
                f"  {sweep.recipe.id:20} workers={record.spec.workers:<3} {record.status}"
                + (f"  median {t:.4f} s" if t else ""),
                file=sys.stderr,
            )

    try:
        summaries = compare.run(sweeps, on_point, History())
    except KeyboardInterrupt:
        for sweep in sweeps:
            sweep.cancel()
        summaries = [s.summary() for s in sweeps if s.records]
    if args.json:
        emit({"workers": sweeps[0].workers, "params": values, "sweeps": summaries})
    else:
        for summary in summaries:
            print_sweep(summary)
    return 0 if all(s["status"] == Status.OK for s in summaries) else 1


def cmd_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: must be 1 or more")
    history = History()
    runs, sweeps = history.runs(args.limit), history.sweeps(args.limit)
    if args.export:
        ids = args.id or [r["run_id"] for r in runs] + [s["sweep_id"] for s in sweeps]
        try:
            path = export.history_export(history, args.export, ids)
        except OSError as exc:
            raise UsageError(f"cannot write {args.export}: {exc.strerror}") from None
        print(f"wrote {len(ids)} item(s) to {path}", file=sys.stderr)
        return 0
    if args.json:
        emit({"runs": runs, "sweeps": sweeps})
        return 0
    print("runs:")
    for r in runs:
        wall = f"{r['wall_s']:.3f} s" if r["wall_s"] is not None else "-"
        print(f"  {r['run_id']}  {_when(r['started'])}  {r['recipe']:30} {r['status']:11} {wall}")
    print("sweeps:")
    for s in sweeps:
        print(
            f"  {s['sweep_id']}  {_when(s['started'])}  {s['recipe']:30} {s['status']:11} "
            f"workers {','.join(map(str, s['workers']))}"
        )
    return 0


def _when(t: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def cmd_devices(args: argparse.Namespace) -> int:
    from workbench import opencl
    from workbench.mpi_launch import library_info

    info = machine_info()
    ocl = opencl.probe()  # in a child process: this one never loads OpenCL
    mpi = library_info()  # so is MPI
    if args.json:
        emit(info | {"opencl": ocl, "mpi": mpi})
        return 0
    print(f"CPU      {info['cpu_model']}")
    print(
        f"cores    {info['cores_logical']} logical, {info['cores_physical']} physical, "
        f"{info['cores_usable']} usable by this process"
    )
    print(f"memory   {info['memory_gb']} GiB")
    print(f"OS       {info['os']}")
    print(
        f"Python   {info['python']} ({info['python_implementation']}, "
        f"GIL {'on' if info['gil_enabled'] else 'off'})"
    )
    for name, version in info["libraries"].items():
        print(f"  {name:26} {version or 'not installed'}")
    print("\n".join(opencl.describe(ocl)))
    print(f"MPI      {mpi.get('library') or mpi.get('error')} (mpi4py {mpi.get('mpi4py', '?')})")
    print(f"  launcher {mpi.get('mpiexec') or 'none found'}: {mpi.get('launcher', '')}")
    return 0


def cmd_roofline(args: argparse.Namespace) -> int:
    from workbench import roofline

    try:
        roof = roofline.get(args.device, refresh=args.refresh)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    except roofline.RooflineError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        emit(roof)
        return 0
    ridge = roof["gflops_peak"] / roof["gbps_peak"]
    print(
        f"{roof['device']}: memory {roof['gbps_peak']:.1f} GB/s, compute "
        f"{roof['gflops_peak']:.1f} GFLOP/s, ridge at {ridge:.2f} FLOP/byte "
        f"(measured {_when(roof['measured_at'])})"
    )
    return 0


COMMANDS = {
    "list": cmd_list,
    "run": cmd_run,
    "sweep": cmd_sweep,
    "compare": cmd_compare,
    "trace": cmd_trace,
    "history": cmd_history,
    "devices": cmd_devices,
    "roofline": cmd_roofline,
    "gui": open_window,
    **cli_explore.COMMANDS,
}
