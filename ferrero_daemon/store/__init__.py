"""Typed access to the tracking database, one module per area, over named queries."""
