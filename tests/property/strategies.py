"""hypothesis strategies for the protocol's types."""

from __future__ import annotations

from hypothesis import strategies as st

from evoting.crypto.group import L, Scalar
from evoting.crypto.transcript import Binding

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar.from_int)
nonzero_scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar.from_int)
fingerprints = st.binary(min_size=32, max_size=32)
bindings = st.builds(Binding, fingerprints, st.binary(max_size=40))
small_values = st.integers(min_value=0, max_value=50)


@st.composite
def value_sets(draw: st.DrawFn, max_size: int = 6) -> list[int]:
    """A set of distinct small non-negative integers, in drawn order."""
    return draw(st.lists(small_values, min_size=1, max_size=max_size, unique=True))
