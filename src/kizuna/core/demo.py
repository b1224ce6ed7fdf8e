"""Demo data beyond people and companies: each app adds its own (activities, deals, tickets) after `kizuna demo` has
loaded users, companies and people. `register(name, load, order=50)`; `load(users, rng)` writes through the app's
services and returns one line for the summary."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Loader:
    name: str
    load: Callable
    order: int = 50


_LOADERS: dict[str, Loader] = {}


def register(name: str, load: Callable, *, order: int = 50) -> None:
    _LOADERS[name] = Loader(name, load, order)


def loaders() -> list[Loader]:
    return sorted(_LOADERS.values(), key=lambda loader: (loader.order, loader.name))
