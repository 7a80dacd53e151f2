"""ZeroCity: the open platform a city runs its climate-neutral transition on."""

__version__ = "0.1.0"
