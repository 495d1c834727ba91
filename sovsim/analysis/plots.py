"""The plots of an analysis, drawn off-screen with matplotlib.

Survival, cumulative incidence, verdict shares, PRIM's trade-off and box, and sensitivity.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (so no global state and
no display); :func:`save` writes it as PNG and SVG. This is the only module of the analysis that imports
matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from sovsim.analysis.causes import CausesResult
    from sovsim.analysis.prim import PrimBox
    from sovsim.analysis.result import AnalysisResult
    from sovsim.analysis.sensitivity import SensitivityResult
    from sovsim.analysis.survival import SurvivalResult

__all__ = ["survival_plot", "incidence_plot", "verdicts_plot", "prim_tradeoff_plot", "prim_box_plot",
           "sensitivity_plot", "save", "all_plots", "VERDICT_COLOURS"]

VERDICT_COLOURS = {"alive": "#2e7d32", "defunded": "#c62828", "hollowed": "#8e24aa", "stale": "#ef8f00",
                   "starved": "#1565c0", "vanity_pilot": "#6d4c41"}
_STYLE: Any = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False,
          "svg.hashsalt": "sovsim", "svg.fonttype": "path"}


def _colour(verdict: str, i: int) -> str:
    return VERDICT_COLOURS.get(verdict, f"C{i % 10}")


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _steps(times: np.ndarray, values: np.ndarray, end: float) -> tuple[np.ndarray, np.ndarray]:
    """A step function as points for ``step(where="post")``, held to ``end``."""
    return np.append(times, end), np.append(values, values[-1])


def survival_plot(survival: SurvivalResult) -> Figure:
    """Kaplan–Meier curves per policy with their 95% bands."""
    with mpl.rc_context(_STYLE):
        fig = _figure(7.0, 4.0)
        ax = fig.add_subplot()
        end = 0.0
        for i, (policy, km) in enumerate(survival.curves.items()):
            end = max(end, km.follow_up)
            t, s = _steps(km.times, km.survival, km.follow_up)
            _, lo = _steps(km.times, km.lower, km.follow_up)
            _, hi = _steps(km.times, km.upper, km.follow_up)
            median = "not reached" if np.isinf(km.median) else f"{km.median:.1f} y"
            ax.step(t, s, where="post", color=f"C{i % 10}", lw=1.8, label=f"{policy} (median {median})")
            ax.fill_between(t, lo, hi, step="post", color=f"C{i % 10}", alpha=0.18, lw=0)
        if end > 5:
            ax.axvline(5, color="0.6", lw=0.8, ls=":")
        ax.set(xlim=(0, end or 1), ylim=(0, 1.02), xlabel="years since the start", ylabel="P(alive)")
        ax.set_title("Survival of the programme per policy (Kaplan–Meier, 95% bands)", loc="left")
        fig.legend(loc="outside lower center", ncols=min(3, max(1, len(survival.curves))), frameon=False)
        ax.grid(alpha=0.3)
    return fig


def incidence_plot(causes: CausesResult) -> Figure:
    """Cumulative incidence of each verdict (Aalen–Johansen, 95% bands), one panel per policy."""
    policies = list(causes.incidence)
    with mpl.rc_context(_STYLE):
        columns = min(3, max(1, len(policies)))
        rows = -(-max(1, len(policies)) // columns)
        fig = _figure(3.4 * columns + 0.6, 3.0 * rows + 0.5)
        axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
        for k, ax in enumerate(axes.flat):
            if k >= len(policies):
                ax.set_visible(False)
                continue
            policy = policies[k]
            for i, (verdict, cif) in enumerate(causes.incidence[policy].items()):
                t, f = _steps(cif.times, cif.incidence, cif.follow_up)
                _, lo = _steps(cif.times, cif.lower, cif.follow_up)
                _, hi = _steps(cif.times, cif.upper, cif.follow_up)
                ax.step(t, f, where="post", color=_colour(verdict, i), lw=1.6, label=verdict)
                ax.fill_between(t, lo, hi, step="post", color=_colour(verdict, i), alpha=0.15, lw=0)
            ax.set(title=policy, xlabel="years", ylim=(0, 1))
            ax.grid(alpha=0.3)
            if k % columns == 0:
                ax.set_ylabel("cumulative incidence")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=max(1, len(labels)), frameon=False)
        fig.suptitle("What ends the programme: cumulative incidence per verdict (95% bands)")
    return fig


#: segments narrower than this share get their label beside the bar instead of inside it
INSIDE_LABEL_SHARE = 0.06


def verdicts_plot(causes: CausesResult) -> Figure:
    """Verdict shares per policy as stacked horizontal bars, every segment labelled.

    The title sits above the plot and the legend below it, so neither covers the bars; a segment too
    narrow for its label inside is labelled above or below its bar (alternating, so neighbours do not meet).
    """
    shares = causes.shares
    policies = list(dict.fromkeys(shares["policy"]))
    verdicts = ["alive"] + sorted(v for v in shares["verdict"].unique() if v != "alive")
    with mpl.rc_context(_STYLE):
        fig = _figure(7.0, 0.75 * len(policies) + 1.6)
        ax = fig.add_subplot()
        left = np.zeros(len(policies))
        outside = np.zeros(len(policies), dtype=int)  # small segments labelled so far, per bar
        for i, verdict in enumerate(verdicts):
            values = np.array([shares[(shares.policy == p) & (shares.verdict == verdict)]["share"].sum()
                               for p in policies])
            ax.barh(range(len(policies)), values, left=left, height=0.5, color=_colour(verdict, i), label=verdict)
            for y, (x0, v) in enumerate(zip(left, values)):
                if v <= 0:
                    continue
                text = f"{100 * v:.0f}%" if v >= 0.01 else f"{100 * v:.1f}%"
                if v >= INSIDE_LABEL_SHARE:
                    ax.text(x0 + v / 2, y, text, ha="center", va="center", color="white", fontsize=8)
                    continue
                above = outside[y] % 2 == 0
                outside[y] += 1
                ax.annotate(text, (x0 + v / 2, y - 0.25 if above else y + 0.25),
                            xytext=(0, 7 if above else -7), textcoords="offset points", ha="center",
                            va="bottom" if above else "top", fontsize=7, color=_colour(verdict, i),
                            arrowprops={"arrowstyle": "-", "color": _colour(verdict, i), "lw": 0.6})
            left += values
        ax.set_yticks(range(len(policies)), policies)
        ax.set(xlim=(0, 1), ylim=(len(policies) - 0.4, -0.6), xlabel="share of futures")
        ax.set_title("Verdicts per policy", loc="left")
        fig.legend(loc="outside lower center", ncols=min(len(verdicts), 6), frameon=False)
    return fig


def prim_tradeoff_plot(box: PrimBox) -> Figure:
    """Coverage against density along the peeling trajectory, coloured by restricted dimensions."""
    frame = box.trajectory
    with mpl.rc_context(_STYLE):
        fig = _figure(6.0, 4.4)
        ax = fig.add_subplot()
        dims = frame["res_dim"].to_numpy()
        cmap = mpl.colormaps["viridis"].resampled(max(int(dims.max()) + 1, 2))
        points = ax.scatter(frame["coverage"], frame["density"], c=dims, cmap=cmap, vmin=-0.5,
                            vmax=max(int(dims.max()) + 0.5, 1.5), s=18, zorder=3)
        fig.colorbar(points, ax=ax, label="restricted dimensions", ticks=range(int(dims.max()) + 1))
        i = box.selected
        ax.scatter([frame["coverage"][i]], [frame["density"][i]], s=160, facecolors="none", edgecolors="#c62828",
                   lw=1.8, zorder=4)
        ax.annotate(f"box {i}", (frame["coverage"][i], frame["density"][i]), xytext=(10, -16),
                    textcoords="offset points", color="#c62828", zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
        ax.set(xlabel="coverage (share of the futures of interest in the box)",
               ylabel="density (share of the box of interest)", xlim=(0, 1.02), ylim=(0, 1.02),
               title="PRIM peeling trajectory: coverage–density trade-off")
        ax.grid(alpha=0.3)
    return fig


def prim_box_plot(box: PrimBox) -> Figure:
    """The selected box: each restricted dimension's limits within its full range, with quasi-p-values."""
    limits = box.limits()
    with mpl.rc_context(_STYLE):
        fig = _figure(7.0, 0.55 * max(len(limits), 1) + 1.5)
        ax = fig.add_subplot()
        for y, r in enumerate(limits.to_dict("records")):
            if r["kind"] == "categorical":
                _category_set(ax, y, r, _categories(box, r["name"]))
                continue
            ax.barh(y, 1.0, color="0.9", height=0.5)
            span = (r["max"] - r["min"]) or 1.0
            a, b = (r["lower"] - r["min"]) / span, (r["upper"] - r["min"]) / span
            ax.barh(y, b - a, left=a, color="#1565c0", height=0.5)
            ax.text(a, y + 0.38, f"{r['lower']:.3g}", ha="center", fontsize=8)
            ax.text(b, y + 0.38, f"{r['upper']:.3g}", ha="center", fontsize=8)
            qps = [f"{v:.2g}" if np.isfinite(v) else "—" for v in (r["qp_lower"], r["qp_upper"])]
            ax.text(1.02, y, "qp " + " / ".join(qps), va="center", fontsize=8)
        ax.set_yticks(range(len(limits)), list(limits["name"]))
        numeric = bool((limits["kind"] != "categorical").any()) if len(limits) else False
        ax.set(xlim=(0, 1.25), ylim=(len(limits) - 0.4, -0.8), xticks=[0, 0.5, 1] if numeric else [],
               xticklabels=["min", "", "max"] if numeric else [])
        if not numeric:
            ax.spines["bottom"].set_visible(False)
        ax.set_title(f"PRIM box {box.selected}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
                     f"mass {box.mass:.0%} (sets: filled categories are kept)", loc="left")
        ax.spines["left"].set_visible(False)
    return fig


def _categories(box: PrimBox, name: str) -> list[str]:
    """Every category of the categorical dimension ``name``, in the data's order."""
    d = box.prim.data
    return [str(v) for v in d.categories[d.categorical.index(name)]] if name in d.categorical else []


def _category_set(ax: Any, y: int, row: dict[str, Any], categories: list[str]) -> None:
    """A categorical limit drawn as a set: one chip per category, the kept ones filled, the others hollow."""
    kept = {v.strip() for v in str(row["values"]).split(",")}
    categories = categories or sorted(kept)
    width = 1.0 / len(categories)
    for j, category in enumerate(categories):
        inside = category in kept
        ax.barh(y, width * 0.92, left=j * width + width * 0.04, height=0.5, color="#1565c0" if inside else "white",
                edgecolor="#1565c0", lw=1.0)
        ax.text(j * width + width / 2, y, category, ha="center", va="center", fontsize=8,
                color="white" if inside else "#1565c0")
    qp = row["qp_lower"]
    ax.text(1.02, y, f"qp {qp:.2g}" if np.isfinite(qp) else "", va="center", fontsize=8)


def sensitivity_plot(result: SensitivityResult) -> Figure:
    """Sobol ST and S1 per uncertainty and policy (with 95% intervals), or extra-trees scores."""
    table = result.table
    with mpl.rc_context(_STYLE):
        if result.method == "sobol":
            names = list(dict.fromkeys(table["uncertainty"]))
            policies = list(dict.fromkeys(table["policy"]))
            fig = _figure(7.0, 0.35 * len(names) * len(policies) + 1.6)
            ax = fig.add_subplot()
            height = 0.8 / len(policies)
            for k, policy in enumerate(policies):
                part = table[table.policy == policy].set_index("uncertainty").loc[names]
                y = np.arange(len(names)) + k * height
                ax.barh(y, part["ST"], height=height * 0.9, xerr=part["ST_conf"], color=f"C{k % 10}", alpha=0.45,
                        label=f"{policy}: ST (total)", error_kw={"lw": 0.8})
                ax.barh(y, part["S1"], height=height * 0.45, xerr=part["S1_conf"], color=f"C{k % 10}",
                        label=f"{policy}: S1 (first order)", error_kw={"lw": 0.8})
            ax.set_yticks(np.arange(len(names)) + 0.4 - height / 2, names)
            ax.set(xlabel="Sobol index of the outcome", title="Sensitivity: Sobol indices (SALib)")
            ax.axvline(0, color="0.5", lw=0.8)
        else:
            names = list(table["uncertainty"])
            fig = _figure(7.0, 0.35 * len(names) + 1.4)
            ax = fig.add_subplot()
            ax.barh(names, table["score"], color="#1565c0")
            ax.set(xlabel="feature score (extra trees)", title="Sensitivity: extra-trees feature scores")
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        if result.method == "sobol":
            fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=8)
    return fig


def save(fig: Figure, folder: Path, name: str) -> tuple[Path, Path]:
    """Write ``name.png`` and ``name.svg`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, dpi=110, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return png, svg


def all_plots(result: AnalysisResult) -> dict[str, Figure]:
    """Every plot the report shows, by file name (PRIM and sensitivity only when they ran)."""
    figures = {"survival": survival_plot(result.survival), "incidence": incidence_plot(result.causes),
               "verdicts": verdicts_plot(result.causes)}
    if result.prim is not None:
        figures["prim_tradeoff"] = prim_tradeoff_plot(result.prim)
        figures["prim_box"] = prim_box_plot(result.prim)
    if result.sensitivity is not None and not result.sensitivity.table.empty:
        figures["sensitivity"] = sensitivity_plot(result.sensitivity)
    return figures
