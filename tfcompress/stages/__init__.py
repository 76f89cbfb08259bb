"""Pipeline stages: one module a stage, each a function of a `Run`."""
