"""Model runner plug-ins: each registers its factory as an entry point (pyproject.toml) and is
imported only when chosen. The contract they implement is humaneval_x/runner.py."""
