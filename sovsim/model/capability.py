"""Capability of a model from what it was trained on: general and local, in log10 effective FLOP.

**General capability** is the model's effective training compute, log10 FLOP, measured at the start date's
algorithms. It comes from the Chinchilla loss of Hoffmann et al. (2022), ``L(N, D) = E + A/N^α + B/D^β``:
a model of N parameters trained on D tokens is worth the compute ``C_eff`` with which a compute-optimal
model reaches the same loss. At the optimum ``L*(C) − E = K·(C/6)^(−γ)`` with ``γ = αβ/(α+β)``, so
``C_eff = 6·(K/(L − E))^(1/γ)`` in closed form; ``C_eff = 6·N·D`` on the compute-optimal frontier and less
off it (a model far too small for its tokens, or too large for them). Algorithmic progress multiplies it.

**Local capability** is the general capability minus a *local deficit*: the decades of effective compute a
model loses when it works in the country's languages and on its laws and customs. A model that never saw
the language has ``no_local_deficit_log10``; local tokens seen in training close the deficit with a half-life
in tokens (a saturating gain, so the corpus bounds it); local capability never exceeds general capability.
Open models' deficit shrinks over time as their multilingual share grows, which erodes a national edge.
"""

from __future__ import annotations

import math

__all__ = ["CHINCHILLA", "loss", "effective_log10", "optimal_parameters", "local_deficit", "continued_log10",
           "parameter_excess", "data_excess", "effective_log10_of_excess"]

#: Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, eq. 10 (Approach 3 fit).
CHINCHILLA = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}

_E, _A, _B = CHINCHILLA["E"], CHINCHILLA["A"], CHINCHILLA["B"]
_ALPHA, _BETA = CHINCHILLA["alpha"], CHINCHILLA["beta"]
_GAMMA = _ALPHA * _BETA / (_ALPHA + _BETA)
_G = (_ALPHA * _A / (_BETA * _B)) ** (1.0 / (_ALPHA + _BETA))  #: N_opt = G·(C/6)^(β/(α+β))
_K = _A * _G ** (-_ALPHA) + _B * _G ** _BETA  #: L*(C) − E = K·(C/6)^(−γ)
_LOG10_6, _LOG10_K = math.log10(6.0), math.log10(_K)


def loss(parameters: float, tokens: float) -> float:
    """Chinchilla loss (nats per token) of ``parameters`` trained on ``tokens``."""
    return _E + _A / parameters**_ALPHA + _B / tokens**_BETA


def effective_log10(parameters: float, tokens: float) -> float:
    """log10 of the compute a compute-optimal model needs to reach the loss of (parameters, tokens)."""
    excess = _A / parameters**_ALPHA + _B / tokens**_BETA
    return _LOG10_6 + (_LOG10_K - math.log10(excess)) / _GAMMA


def parameter_excess(parameters: float) -> float:
    """The parameter term ``A/N^α`` of the loss above ``E``."""
    return _A / parameters**_ALPHA


def data_excess(tokens: float) -> float:
    """The data term ``B/D^β`` of the loss above ``E``."""
    return _B / tokens**_BETA


def effective_log10_of_excess(excess: float) -> float:
    """:func:`effective_log10` from the loss above ``E``, ``parameter_excess + data_excess``.

    The same value bit for bit, for callers that reuse the terms across many (parameters, tokens) pairs.
    """
    return _LOG10_6 + (_LOG10_K - math.log10(excess)) / _GAMMA


def optimal_parameters(flop: float) -> float:
    """Compute-optimal parameter count for a training budget of ``flop`` FLOP (the same fit)."""
    return _G * (flop / 6.0) ** (_BETA / (_ALPHA + _BETA))


def continued_log10(base_log10: float, base_parameters: float, base_tokens: float, own_tokens: float,
                    tokens_weight: float = 1.0) -> float:
    """General capability of a base model trained on ``own_tokens`` more (continued pre-training).

    The base keeps its algorithmic multiplier (its capability above its raw Chinchilla value); the extra
    tokens, weighted by ``tokens_weight`` (< 1 for fine-tuning data that teaches little general knowledge),
    lower the loss along the data term, a gain that saturates as the base's tokens grow.
    """
    multiplier = base_log10 - effective_log10(base_parameters, base_tokens)
    return effective_log10(base_parameters, base_tokens + tokens_weight * own_tokens) + multiplier


def local_deficit(start_deficit_log10: float, local_tokens: float, half_tokens: float) -> float:
    """The deficit left after ``local_tokens`` of the country's text: halved every ``half_tokens``."""
    if local_tokens <= 0 or start_deficit_log10 <= 0:
        return max(0.0, start_deficit_log10)
    return start_deficit_log10 * 0.5 ** (local_tokens / half_tokens)
