"""An overflow in ∂C/∂W or ∂C/∂b is refused like one in z, a or δ: every forward value,
δ and the loss can be finite while δˡ (aˡ⁻¹)ᵀ overflows."""

import numpy as np

from visualizer.engine.backprop import run
from visualizer.engine.network import Layer, Network, Sample


def _net(y: float) -> Network:
    # a¹ = 1e200; z² = 1e−200 · 1e200 = 1; δ² = z² − y ≈ 1e150 (C ≈ 5e299, finite);
    # ∂C/∂W² = δ² (a¹)ᵀ ≈ 1e350: only this product overflows.
    return Network(
        input_size=1,
        layers=(
            Layer(np.array([[1e200]]), np.zeros(1), "identity"),
            Layer(np.array([[1e-200]]), np.zeros(1), "identity"),
        ),
        loss="half_squared_error",
        sample=Sample([1.0], [y]),
    )


def test_only_dW_overflows_and_it_is_named():
    with np.errstate(all="ignore"):
        trace = run(_net(-1e150))
    assert all(np.all(np.isfinite(v)) for v in (*trace.z, *trace.a, *trace.delta, trace.dx))
    assert np.isfinite(trace.loss)
    assert not np.all(np.isfinite(trace.dW[1]))
    assert trace.non_finite() == "∂C/∂W²"


def test_every_array_of_the_trace_is_checked():
    import dataclasses

    with np.errstate(all="ignore"):
        trace = run(_net(-1.0))
    assert trace.non_finite() is None
    inf = np.array([np.inf])
    for field, index, name in (
        ("db", 0, "∂C/∂b¹"),
        ("db", 1, "∂C/∂b²"),
        ("dW", 0, "∂C/∂W¹"),
        ("grad_a", 1, "∂C/∂a¹"),
    ):
        arrays = list(getattr(trace, field))
        arrays[index] = inf.reshape(arrays[index].shape)
        broken = dataclasses.replace(trace, **{field: tuple(arrays)})
        assert broken.non_finite() == name, field


def test_export_says_when_a_gradient_overflowed(tmp_path, capsys):
    from visualizer import cli
    from visualizer.formats.network_file import save_network

    path = tmp_path / "net.json"
    save_network(_net(-1e150), path)
    status = cli.main(["export", str(path), "-o", str(tmp_path / "snap.npz")])
    err = capsys.readouterr().err
    assert status == 0
    assert err == "warning: ∂C/∂W² overflowed to ±∞ or NaN (weights too large?)\n"
