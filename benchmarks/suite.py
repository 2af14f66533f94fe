"""A benchmark run: which workloads, sizes, backends and peers, and the loop over them.

``Suite.from_args`` turns the command-line flags into a plan; ``Suite.run`` measures
every cell (``cells.run_cell``) and study, writes results.json and results.md after
each workload (a crash keeps what was measured), then the charts.
"""

from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scratch import backend

from . import cells, charts, machine, report, workloads
from .workloads import Workload

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent / "README.md"


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, disable=quiet, unit="cell", file=sys.stderr, leave=False)


def _say(bar, quiet: bool, text: str) -> None:
    if not quiet:
        bar.write(text, file=sys.stderr)


@dataclass
class Suite:
    size_name: str
    workloads: list[Workload]
    studies: list[str]
    backends: list[str]
    peers: bool
    repeats: int
    budget_s: float
    out: Path
    curves: bool
    quiet: bool
    use_gpu: bool
    update_readme: bool = False
    load_errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Suite:
        """The plan for parsed flags (ValueError names a bad flag value)."""
        from .run import PROFILES, STUDIES, _split

        size_name = "tiny" if args.tiny else "quick" if args.quick else "full"
        prof = PROFILES[size_name]
        found, errors = workloads.discover()
        only = _split(args.only)
        if only:
            known = {w.name for w in found} | {w.family for w in found} | set(STUDIES)
            known |= set(errors)  # a broken module's name still selects (and reports) it
            unknown = [n for n in only if n not in known]
            if unknown:
                raise ValueError(
                    f"--only: unknown name(s) {', '.join(unknown)}; choose from "
                    f"{', '.join(sorted(known))}"
                )
            found = [w for w in found if w.name in only or w.family in only]
            errors = {k: v for k, v in errors.items() if k in only}
            studies = [s for s in STUDIES if s in only]
        else:
            studies = list(STUDIES)
        if args.backends:
            backends = _split([args.backends])
            bad = [b for b in backends if b.split(":")[0] not in backend.NAMES]
            if bad:
                raise ValueError(
                    f"--backends: unknown backend(s) {', '.join(bad)}; choose from "
                    f"{', '.join(backend.NAMES)}"
                )
        else:
            backends = ["numpy"] + (["cupy"] if backend._gpu_usable() else [])
        use_gpu = _uses_gpu(backends)
        out = Path(args.out) if args.out else RESULTS / machine.machine_name(use_gpu)
        return cls(
            size_name=size_name,
            workloads=found,
            studies=studies,
            backends=backends,
            peers=args.peers,
            repeats=args.repeats or prof["repeats"],
            budget_s=float("inf") if args.repeats else prof["budget_s"],
            out=out,
            curves=args.curves,
            quiet=args.quiet,
            use_gpu=use_gpu,
            update_readme=args.update_readme,
            load_errors=errors,
        )

    def _header(self) -> dict:
        from .run import PROFILES

        n_cpu, n_gpu = PROFILES[self.size_name]["matmul"]
        return {
            "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "size_name": self.size_name,
            "backends": self.backends,
            "peers": self.peers,
            "repeats": self.repeats,
            "machine": machine.describe(self.use_gpu),
            "matmul": machine.matmul_peaks(n_cpu, n_gpu, repeats=3, gpu=self.use_gpu),
            "load_errors": self.load_errors,
            "rows": [],
            "curves": [],
            "studies": {},
            "figures": [],
        }

    def run(self) -> dict:
        """Measure everything, write the results, return them."""
        results = self._header()
        plans = []
        for w in self.workloads:
            impls, missing = cells.implementations(w, self.backends, self.peers, self.use_gpu)
            plans.append((w, impls, missing))
        total = sum(len(p[1]) * (1 + len(self._curve_values(p[0]))) for p in plans)
        bar = _progress(total + len(self.studies), self.quiet)
        for w, impls, missing in plans:
            rows = self._run_workload(w, impls, missing, results["matmul"], bar)
            results["rows"].extend(rows)
            if self.curves:
                results["curves"].extend(self._run_curve(w, impls, bar))
            report.write(results, self.out)
        for name in self.studies:
            bar.set_description(name)
            results["studies"][name] = self._run_study(name)
            _say(bar, self.quiet, f"{name}: {results['studies'][name]['status']}")
            bar.update()
        bar.close()
        results["figures"] = self._charts(results)
        report.write(results, self.out)
        if self.update_readme:
            report.update_readme(README, report.markdown(results), _rel(self.out, README.parent))
        return results

    def _size(self, w: Workload) -> dict | None:
        return w.sizes.get(self.size_name)

    def _curve_values(self, w: Workload) -> list:
        if not self.curves or w.curve is None or self._size(w) is None:
            return []
        return w.curve.values(self.size_name)

    def _run_workload(self, w, impls, missing, peaks, bar) -> list[dict]:
        size = self._size(w)
        base = {"workload": w.name, "family": w.family, "size_name": self.size_name}
        if size is None:
            bar.update(len(impls))
            return [
                {**base, "size": {}, "impl": "-", "kind": "ours", "peer": None, "device": "cpu"}
                | {"dtype": w.dtype, "status": cells.NA, "error": f"no {self.size_name!r} size"}
            ]
        rows = [{**base, "size": dict(size), "peer": None, "device": "cpu", **m} for m in missing]
        for impl in impls:
            bar.set_description(f"{w.name} {impl.label}")
            row = cells.run_cell(w, impl, self.size_name, size, self.repeats, self.budget_s)
            bar.update()
            if row is None:
                continue
            rows.append(row)
        cells.add_ratios(rows, peaks)
        for row in rows:
            _say(bar, self.quiet, _line(row))
        return rows

    def _run_curve(self, w, impls, bar) -> list[dict]:
        rows = []
        for value in self._curve_values(w):
            size = {**self._size(w), w.curve.param: value}
            for impl in impls:
                bar.set_description(f"{w.name} {w.curve.param}={value} {impl.label}")
                row = cells.run_cell(
                    w, impl, self.size_name, size, min(self.repeats, 3), self.budget_s
                )
                bar.update()
                if row is not None:
                    row.update(curve_param=w.curve.param, curve_value=value)
                    rows.append(row)
        return rows

    def _run_study(self, name: str) -> dict:
        import importlib

        try:
            mod = importlib.import_module(f"{__package__}.{name}")
            return mod.run_study(self.size_name, self.out, self.use_gpu, self.quiet)
        except Exception as e:  # noqa: BLE001 - a failing study is reported, the run goes on
            return {"status": "error", "note": f"error: {cells.describe_error(e)}"}

    def _charts(self, results: dict) -> list[str]:
        figs = []
        try:
            p = charts.ratio_chart(results["rows"], self.out / "ratios.png")
            figs += [p.name] if p else []
            figs += [p.name for p in charts.curve_charts(results["curves"], self.out)]
        except ImportError as e:
            results["chart_error"] = str(e)
        for study in results["studies"].values():
            figs += study.get("figures", [])
        return figs

    def summary(self, results: dict, seconds: float) -> str:
        rows = results["rows"] + results["curves"]
        count = {s: sum(r["status"] == s for r in rows) for s in ("ok", "missing", "n/a", "error")}
        studies = ", ".join(f"{k} {v['status']}" for k, v in results["studies"].items())
        broken = ", ".join(results["load_errors"]) or "none"
        return (
            f"{count['ok']} ok, {count['error']} failed, {count['missing']} missing, "
            f"{count['n/a']} n/a measurements; studies: {studies or 'none'}; "
            f"broken workload modules: {broken}; {seconds:.0f} s; "
            f"tables in {self.out / 'results.md'}"
        )

    def any_ran(self, results: dict) -> bool:
        rows = results["rows"] + results["curves"]
        return any(r["status"] == "ok" for r in rows) or any(
            s["status"] in ("ok", "skipped") for s in results["studies"].values()
        )


def _uses_gpu(backends: list[str]) -> bool:
    for name in backends:
        try:
            bk = backend.get(name)
        except backend.BackendError:
            continue
        if bk.name == "cupy" or str(bk.device).startswith("cuda"):
            return True
    return False


def _rel(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), start.resolve()).replace(os.sep, "/")


def _line(r: dict) -> str:
    if r["status"] != "ok":
        return f"{r['workload']:<22} {r['impl']:<12} {r['status']}: {r.get('error')}"
    ratios = ", ".join(f"{v:.3g}x {k}" for k, v in (r.get("ratios") or {}).items())
    return (
        f"{r['workload']:<22} {r['impl']:<12} median {1e3 * r['median_s']:9.3f} ms  "
        f"first {1e3 * r['first_s']:9.3f} ms {ratios}"
    )
