"""Device drivers: one package per device kind, each an interface, real backends and a simulator."""
